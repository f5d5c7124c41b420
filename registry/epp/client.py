"""EppClient: one EPP session with a registry.

It connects, reads the greeting and logs in on first use, gives every command a unique
clTRID and turns 2xxx results into exceptions. A connection the server has closed is
replaced (with a fresh login) before the next command; so is a session the registry has
forgotten (over HTTPS: the cookie deleted), and the command it refused for that is sent
again. A command whose answer was lost is sent again only if it is a query or the caller says
so; otherwise the caller gets ``CommandOutcomeUnknown`` and must find out what happened
(``reconcile.was_executed``).

One client is one session: use it from one thread at a time.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from types import TracebackType

from . import commands as cmd
from . import frames
from .commands import Command
from .data import ContactData
from .framelog import FrameLog
from .namespaces import LOGIN_SEC
from .responses import parse_envelope, parse_greeting, parse_response
from .results import (
    CommandOutcomeUnknown,
    FrameInvalid,
    Greeting,
    LoginRefused,
    ProtocolError,
    RegistryUnavailable,
    Response,
    ResponseDataInvalid,
    error_for,
)
from .schema import validate_frame
from .transport import Transport

logger = logging.getLogger(__name__)

MAX_CL_TRID = 64


class EppClient:
    def __init__(
        self,
        transport: Transport,
        *,
        client_id: str,
        password: str,
        lang: str = "en",
        object_uris: Iterable[str] | None = None,
        dialect: frames.Frames = frames.RFC_FRAMES,
        frame_log: FrameLog | None = None,
        validate_responses: bool = False,
        user_agent: str = "regflow",
    ) -> None:
        self.transport = transport
        self.client_id = client_id
        self._password = password
        self.lang = lang
        # the registry's EPP dialect: RFC 5730-5734, or its own (frames.NaskFrames)
        self.dialect = dialect
        self.object_uris = tuple(object_uris) if object_uris is not None else dialect.login_object_uris
        self.frame_log = frame_log
        self.validate_responses = validate_responses
        self.user_agent = user_agent
        self.greeting: Greeting | None = None
        self.logged_in = False
        # how many times a lost connection was replaced; support staff read it in logs
        self.reconnects = 0
        # command frames handed to the transport (logins aside): a caller that sees this move
        # during a failed command knows the command may have reached the registry
        self.commands_sent = 0
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<EppClient {self.client_id}@{getattr(self.transport, 'where', self.transport)}>"

    def __enter__(self) -> EppClient:
        self.connect()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ session

    def new_cl_trid(self) -> str:
        return f"{self.client_id}-{uuid.uuid4().hex}"[:MAX_CL_TRID]

    def connect(self) -> Greeting:
        """Open the connection, read the greeting and log in."""
        with self._lock:
            self._disconnect()
            self.transport.connect()
            try:
                self.greeting = parse_greeting(self._receive())
                if "1.0" not in self.greeting.versions:
                    raise ProtocolError("the registry does not offer EPP 1.0")
                self._login()
            except BaseException:
                self._disconnect()
                raise
            return self.greeting

    def _login(self, new_password: str | None = None) -> Response:
        greeting = self.greeting
        cl_trid = self.new_cl_trid()
        frame = self.dialect.login(
            self.client_id,
            self._password,
            new_password=new_password,
            lang=self.lang,
            object_uris=[u for u in self.object_uris if u in greeting.object_uris] or self.object_uris,
            login_security=greeting.supports(LOGIN_SEC),
            user_agent=self.user_agent,
            cl_trid=cl_trid,
        )
        response = self._exchange(frame, cl_trid)
        if not response.is_success:
            refused = error_for(response)
            # Whatever the code, a refused login is the registry closed to us, not a refusal
            # of the command we wanted to send: callers wait and try again.
            logger.error(
                "EPP login as %s refused: %s %s", self.client_id, refused.code, refused.registry_message
            )
            raise LoginRefused(f"login refused ({refused.code})", code=refused.code) from refused
        self.logged_in = True
        if new_password is not None:
            self._password = new_password
        logger.info("EPP session open as %s at %s", self.client_id, getattr(self.transport, "where", "?"))
        return response

    def change_password(self, new_password: str) -> Response:
        """Log in again with ``<newPW>``: the registry's way to change our password."""
        with self._lock:
            self._disconnect()
            self.transport.connect()
            try:
                self.greeting = parse_greeting(self._receive())
                return self._login(new_password=new_password)
            except BaseException:
                self._disconnect()
                raise

    def hello(self) -> Greeting:
        with self._lock:
            self._ensure_session()
            self._send(self.dialect.hello())
            self.greeting = parse_greeting(self._receive())
            return self.greeting

    def logout(self) -> None:
        with self._lock:
            if not self.logged_in or not self.transport.connected:
                self._disconnect()
                return
            try:
                cl_trid = self.new_cl_trid()
                # a logout whose answer never comes still ends the session
                with contextlib.suppress(RegistryUnavailable):
                    self._exchange(self.dialect.logout(cl_trid=cl_trid), cl_trid)
            finally:
                self._disconnect()

    def close(self) -> None:
        """Log out if a session is open, then close the connection."""
        self.logout()

    def _disconnect(self) -> None:
        self.logged_in = False
        self.transport.close()

    def _ensure_session(self) -> None:
        if self.logged_in and self.transport.connected and not self.transport.peer_closed():
            return
        if self.logged_in:
            self.reconnects += 1
            logger.info("EPP connection to %s was closed; connecting again", self.client_id)
        self.connect()

    # ------------------------------------------------------------------ commands

    def execute(
        self, command: Command, *, cl_trid: str | None = None, resend: bool | None = None
    ) -> Response:
        """Send a command and return its response, raising ``EppError`` on a 2xxx result.

        ``resend``: whether the command may be sent a second time if its answer is lost;
        by default only queries are.
        """
        cl_trid = cl_trid or self.new_cl_trid()
        if not 3 <= len(cl_trid) <= MAX_CL_TRID:
            raise ValueError("a clTRID has 3 to 64 characters")
        frame = command.frame(cl_trid, self.dialect)
        validate_frame(frame, self.dialect.ns)
        may_resend = command.resend_safe if resend is None else resend
        with self._lock:
            response = self._send_command(frame, cl_trid, may_resend, command)
            if response.code >= 2500:
                self._disconnect()  # the registry closes the session after such an answer
        if not response.is_success:
            raise error_for(response)
        return response

    def _send_command(self, frame: bytes, cl_trid: str, may_resend: bool, command: Command) -> Response:
        for attempt in (1, 2):
            try:
                self._ensure_session()
            except ProtocolError as exc:
                # Whatever went wrong, the command itself was never sent.
                raise RegistryUnavailable(f"no EPP session could be opened: {exc}") from exc
            try:
                self.commands_sent += 1
                self._send(frame)
            except RegistryUnavailable:
                # A frame whose sending failed never arrived whole, so the registry cannot
                # have executed it: trying once more on a new connection is always safe.
                self._disconnect()
                if attempt == 2:
                    raise
                self.reconnects += 1
                continue
            try:
                response = self._receive_for(cl_trid)
            except RegistryUnavailable as exc:
                self._disconnect()
                if may_resend and attempt == 1:
                    self.reconnects += 1
                    logger.info("answer to %s %s lost; sending it again", command.name, cl_trid)
                    continue
                raise CommandOutcomeUnknown(
                    f"{command.name} {command.object_name} was sent but its answer was lost ({exc})",
                    cl_trid=cl_trid,
                ) from None
            if response.code == 2002 and attempt == 1 and self.transport.peer_closed():
                # The registry had forgotten the session before the command came (over HTTPS
                # it says so by deleting the cookie with this 2002): the command was refused
                # unexecuted, so logging in again and sending it once more is safe.
                self._disconnect()
                self.reconnects += 1
                logger.info("EPP session at %s was gone; logging in again", self._peer())
                continue
            return response
        raise AssertionError("unreachable")

    def _exchange(self, frame: bytes, cl_trid: str) -> Response:
        validate_frame(frame, self.dialect.ns)
        self._send(frame)
        return self._receive_for(cl_trid)

    def _receive_for(self, cl_trid: str) -> Response:
        try:
            response = parse_response(self._receive())
        except ResponseDataInvalid as exc:
            if exc.response is not None and exc.response.trid.client not in (cl_trid, None):
                # Not ours to act on: without its envelope, nobody acknowledges a message by it.
                self._disconnect()
                raise ProtocolError(f"{exc}; it answered a different command than the one sent") from None
            raise
        self._check_answers(response, cl_trid)
        return response

    def _check_answers(self, response: Response, cl_trid: str) -> None:
        if response.trid.client not in (cl_trid, None):
            self._disconnect()
            raise ProtocolError("the registry answered a different command than the one sent")

    def _send(self, frame: bytes) -> None:
        if self.frame_log is not None:
            self.frame_log.record("C>S", frame, peer=self._peer())
        self.transport.send_frame(frame)

    def _receive(self) -> bytes:
        frame = self.transport.recv_frame()
        if self.frame_log is not None:
            self.frame_log.record("S>C", frame, peer=self._peer())
        if self.validate_responses:
            try:
                validate_frame(frame, self.dialect.ns)
            except FrameInvalid as exc:
                # Not FrameInvalid: that one says a frame of ours was never sent.
                message = f"the registry's answer does not match the EPP schemas: {exc.errors[:3]}"
                try:
                    envelope = parse_envelope(frame)
                except ProtocolError:
                    raise ProtocolError(message) from None
                # Its results and message queue can be read: a poll message can be acknowledged.
                raise ResponseDataInvalid(message, response=envelope) from None
        return frame

    def _peer(self) -> str:
        return f"{self.client_id}@{getattr(self.transport, 'where', '?')}"

    # ------------------------------------------------------------------ conveniences

    def domain_check(self, *names: str) -> Response:
        return self.execute(cmd.domain_check(*names))

    def domain_info(self, name: str, authinfo: str | None = None) -> Response:
        return self.execute(cmd.domain_info(name, authinfo))

    def domain_update(self, name: str, **changes) -> Response:
        return self.execute(cmd.domain_update(name, **changes))

    def transfer_request(self, name: str, authinfo: str, *, period_years: int | None = None) -> Response:
        return self.execute(cmd.transfer_request(name, authinfo, period_years=period_years))

    def transfer_query(self, name: str, authinfo: str | None = None) -> Response:
        return self.execute(cmd.transfer_query(name, authinfo))

    def transfer_approve(self, name: str) -> Response:
        return self.execute(cmd.transfer_approve(name))

    def transfer_reject(self, name: str) -> Response:
        return self.execute(cmd.transfer_reject(name))

    def transfer_cancel(self, name: str, authinfo: str | None = None) -> Response:
        return self.execute(cmd.transfer_cancel(name, authinfo))

    def transfer_resend_confirmation(self, name: str, authinfo: str) -> Response:
        return self.execute(cmd.transfer_resend_confirmation(name, authinfo))

    def contact_create(self, contact: ContactData, authinfo: str) -> Response:
        return self.execute(cmd.contact_create(contact, authinfo))

    def contact_info(self, handle: str, authinfo: str | None = None) -> Response:
        return self.execute(cmd.contact_info(handle, authinfo))

    def poll_request(self) -> Response:
        return self.execute(cmd.poll_request())

    def poll_ack(self, msg_id: str) -> Response:
        return self.execute(cmd.poll_ack(msg_id))


ClientFactory = Callable[[], EppClient]
