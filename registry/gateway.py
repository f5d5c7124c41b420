"""The registry, as the rest of the product calls it.

Every command goes through ``RegistryGateway.execute``, which

1. writes a ``RegistryCommand`` row with the command's clTRID and commits it before
   anything is sent, so that no answer can ever arrive for a command we have no record of;
2. sends the command and records the outcome, result code, message and svTRID;
3. for a transform (update, transfer operations, contact create) writes a history event
   in the same transaction as the outcome;
4. with an ``idempotency_key``, finds an earlier attempt of the same business operation and
   never performs it twice: an earlier success or refusal is returned again, and an answer
   that was lost is first looked for at the registry (e.g. a transfer query) before the
   command is sent again, under the same clTRID.

It must not be called inside a database transaction (``atomic(durable=True)`` says so if
it is), since the record must be committed before the frame leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows.models import Channel

from . import events, profiles
from .epp import commands as cmd
from .epp.client import EppClient
from .epp.commands import Command
from .epp.data import ContactData, ResData
from .epp.framelog import FrameLog
from .epp.https import HttpsTransport
from .epp.pool import SessionPool, breaks_session
from .epp.reconcile import was_executed
from .epp.results import (
    CommandOutcomeUnknown,
    EppError,
    FrameInvalid,
    ProtocolError,
    RegistryError,
    RegistryUnavailable,
    Response,
    error_for_code,
)
from .epp.transport import TcpTlsTransport, Transport
from .models import RegistryCommand
from .profiles import RegistryProfile

logger = logging.getLogger(__name__)

Outcome = RegistryCommand.Outcome


def client_from_settings(
    config: Mapping[str, Any] | None = None, profile: RegistryProfile = profiles.RFC
) -> EppClient:
    """An (unconnected) EPP client for ``settings.REGISTRY`` or the mapping given, speaking the
    profile's dialect."""
    config = dict(config if config is not None else settings.REGISTRY)
    kind = config.get("TRANSPORT", "tcp")
    tls = {
        "ca_file": config.get("CA_FILE") or None,
        "client_cert": config.get("CLIENT_CERT") or None,
        "client_key": config.get("CLIENT_KEY") or None,
        "timeout": float(config.get("TIMEOUT", 15)),
    }
    transport: Transport
    if kind == "tcp":
        transport = TcpTlsTransport(config["HOST"], int(config["PORT"]), **tls)
    elif kind == "https":
        transport = HttpsTransport(config["URL"], hello_frame=profile.frames.hello(), **tls)
    else:
        raise ImproperlyConfigured(
            f"REGISTRY['TRANSPORT'] = {kind!r}: 'tcp' (RFC 5734) or 'https' (EPP over HTTPS) are available"
        )
    frame_log = FrameLog(config["FRAME_LOG"]) if config.get("FRAME_LOG") else None
    return EppClient(
        transport,
        client_id=config["CLIENT_ID"],
        password=config["PASSWORD"],
        frame_log=frame_log,
        validate_responses=bool(config.get("VALIDATE_RESPONSES", False)),
        dialect=profile.frames,
    )


class RegistryGateways:
    """A gateway per registry, opened when first wanted, for rounds that visit domains of
    several registries (``with RegistryGateways() as registries: registries.for_domain(name)``)."""

    def __init__(self) -> None:
        self._open: dict[str, RegistryGateway] = {}

    def for_domain(self, domain_name: str) -> RegistryGateway:
        return self.for_profile(profiles.profile_for(domain_name))

    def for_profile(self, profile: RegistryProfile) -> RegistryGateway:
        if profile.key not in self._open:
            self._open[profile.key] = RegistryGateway.for_profile(profile)
        return self._open[profile.key]

    def __enter__(self) -> RegistryGateways:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for gateway in self._open.values():
            gateway.close()
        self._open.clear()


@dataclass(frozen=True)
class CommandResult:
    record: RegistryCommand
    # None when the outcome was established without a new answer from the registry: an
    # earlier attempt's success, or a lost answer found by looking at the registry.
    response: Response | None

    @property
    def replayed(self) -> bool:
        return self.response is None

    @property
    def data(self) -> ResData | None:
        return self.response.data if self.response is not None else None


class RegistryGateway:
    def __init__(
        self, client: EppClient, profile: RegistryProfile = profiles.RFC, pool: SessionPool | None = None
    ) -> None:
        self.client = client
        self.profile = profile
        # the pool the client is borrowed from; close() gives it back there
        self._pool = pool
        self._session_broken = False
        self._closed = False

    @classmethod
    def from_settings(
        cls, config: Mapping[str, Any] | None = None, profile: RegistryProfile = profiles.RFC
    ) -> RegistryGateway:
        """A gateway on a session borrowed from this process's pool (``registry.sessions``)."""
        from .sessions import pool_for

        pool = pool_for(config, profile)
        return cls(pool.checkout(), profile, pool)

    @classmethod
    def for_profile(cls, profile: RegistryProfile) -> RegistryGateway:
        return cls.from_settings(profile.connection(), profile)

    @classmethod
    def for_domain(cls, domain_name: str) -> RegistryGateway:
        """The gateway to the registry that keeps ``domain_name`` (by its TLD)."""
        return cls.for_profile(profiles.profile_for(domain_name))

    def __enter__(self) -> RegistryGateway:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return  # a borrowed client may be someone else's by now
        self._closed = True
        if self._pool is not None:
            self._pool.checkin(self.client, broken=self._session_broken)
        else:
            self.client.close()

    # ------------------------------------------------------------------ the one way in

    def execute(
        self,
        command: Command,
        *,
        actor=None,
        channel: Channel | str | None = None,
        idempotency_key: str = "",
    ) -> CommandResult:
        channel = channel or (Channel.SYSTEM if actor is None else Channel.WEB)
        record, is_new = self._claim(command, actor, idempotency_key)
        if not is_new:
            settled = self._settle_earlier(record, command, actor, channel)
            if settled is not None:
                return settled
            self._mark_sent(record)
        return self._send(record, command, actor, channel)

    def _claim(self, command: Command, actor, idempotency_key: str) -> tuple[RegistryCommand, bool]:
        """The row for this command, committed: a new one, already marked as sent once (it is
        sent right after this commit), or the earlier attempt's."""
        if idempotency_key:
            earlier = RegistryCommand.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                return self._check_same(earlier, command), False
        try:
            with transaction.atomic(durable=True):
                record = RegistryCommand.objects.create(
                    cl_trid=self.client.new_cl_trid(),
                    idempotency_key=idempotency_key,
                    registrar_client_id=self.client.client_id,
                    command=command.name,
                    object_name=command.object_name,
                    actor=actor,
                    attempts=1,
                    outcome=Outcome.PENDING,
                )
        except IntegrityError:
            if not idempotency_key:
                raise
            # Another worker claimed the key between our look and our write.
            earlier = RegistryCommand.objects.get(idempotency_key=idempotency_key)
            return self._check_same(earlier, command), False
        return record, True

    @staticmethod
    def _check_same(record: RegistryCommand, command: Command) -> RegistryCommand:
        if (record.command, record.object_name) != (command.name, command.object_name):
            raise ValueError(
                f"idempotency key already used for {record.command} {record.object_name}, "
                f"not {command.name} {command.object_name}"
            )
        return record

    def _settle_earlier(
        self, record: RegistryCommand, command: Command, actor, channel
    ) -> CommandResult | None:
        """The outcome of an earlier attempt, or None if the command must be sent (again)."""
        if record.outcome == Outcome.SUCCESS:
            return CommandResult(record, None)
        if record.outcome == Outcome.ERROR:
            raise error_for_code(record.result_code or 2400, record.message)
        if record.outcome in (Outcome.UNKNOWN, Outcome.PENDING):
            executed = was_executed(
                self.client,
                command,
                sent_at=record.sent_at,
                execute=lambda probe: self.execute(probe, actor=actor, channel=channel).response,
            )
            if executed:
                self._record(
                    record,
                    command,
                    actor,
                    channel,
                    outcome=Outcome.SUCCESS,
                    message="the registry shows this command took effect; its answer had been lost",
                )
                return CommandResult(record, None)
            if executed is None and not command.idempotent:
                raise CommandOutcomeUnknown(
                    f"{command.name} {command.object_name}: the earlier attempt's outcome is unknown "
                    "and cannot be checked; look at the registry before trying again",
                    cl_trid=record.cl_trid,
                )
        return None  # FAILED, or shown not to have happened: send it (again)

    @staticmethod
    def _mark_sent(record: RegistryCommand) -> None:
        """An earlier attempt is sent again: one more attempt, committed before the frame leaves."""
        sent_at = timezone.now()
        with transaction.atomic(durable=True):
            RegistryCommand.objects.filter(pk=record.pk).update(
                attempts=record.attempts + 1, sent_at=sent_at, outcome=Outcome.PENDING
            )
        record.attempts, record.sent_at, record.outcome = record.attempts + 1, sent_at, Outcome.PENDING

    def _send(self, record: RegistryCommand, command: Command, actor, channel) -> CommandResult:
        """``record`` is committed as sent (``_claim``, ``_mark_sent``): now it is."""
        sent_before = self.client.commands_sent
        try:
            response = self._over_the_wire(command, record.cl_trid)
        except EppError as exc:
            if exc.cl_trid not in (record.cl_trid, None):
                # The refusal answered something else (our login): this command never left.
                self._record(record, command, actor, channel, outcome=Outcome.FAILED, message=str(exc))
                raise
            # A failure on the registry's side (2400) did nothing: a retry sends the command again
            # instead of replaying the refusal.
            outcome = Outcome.FAILED if isinstance(exc, RegistryUnavailable) else Outcome.ERROR
            self._record(record, command, actor, channel, outcome=outcome, error=exc)
            raise
        except CommandOutcomeUnknown as exc:
            self._record(record, command, actor, channel, outcome=Outcome.UNKNOWN, message=str(exc))
            raise
        except (RegistryUnavailable, FrameInvalid) as exc:
            # Not delivered: nothing happened at the registry.
            self._record(record, command, actor, channel, outcome=Outcome.FAILED, message=str(exc))
            raise
        except ProtocolError as exc:
            self._record(record, command, actor, channel, outcome=Outcome.UNKNOWN, message=str(exc))
            raise
        except RegistryError as exc:
            self._record(record, command, actor, channel, outcome=Outcome.FAILED, message=str(exc))
            raise
        except BaseException as exc:
            # Anything else (a fault of ours while reading the answer, a worker told to stop, a
            # Ctrl-C) must not leave the row PENDING: once the frame may have left, nobody knows
            # whether the registry acted on it; before that, nothing happened there.
            left = self.client.commands_sent != sent_before
            outcome = Outcome.UNKNOWN if left else Outcome.FAILED
            why = f"interrupted by {type(exc).__name__}" + (" after the command was sent" if left else "")
            try:
                self._record(record, command, actor, channel, outcome=outcome, message=why)
            except Exception:
                logger.exception(
                    "registry %s [%s]: the outcome could not be recorded", command.name, record.cl_trid
                )
            raise
        self._record(record, command, actor, channel, outcome=Outcome.SUCCESS, response=response)
        return CommandResult(record, response)

    def _over_the_wire(self, command: Command, cl_trid: str) -> Response:
        try:
            return self.client.execute(command, cl_trid=cl_trid)
        except BaseException as exc:
            # a session that failed under a command is not lent to the next one
            self._session_broken = self._session_broken or breaks_session(exc)
            raise

    def _record(
        self,
        record: RegistryCommand,
        command: Command,
        actor,
        channel,
        *,
        outcome: str,
        response: Response | None = None,
        error: EppError | None = None,
        message: str = "",
    ) -> None:
        answer = response or (error.response if error is not None else None)
        record.outcome = outcome
        if answer is not None:
            record.result_code = answer.code
            record.sv_trid = answer.trid.server or ""
            reasons = "; ".join(answer.reasons)
            record.message = f"{answer.message} ({reasons})" if reasons else answer.message
            record.answered_at = timezone.now()
        else:
            record.message = message
            if outcome == Outcome.SUCCESS:
                record.answered_at = timezone.now()
        with transaction.atomic():
            record.save(update_fields=["outcome", "result_code", "sv_trid", "message", "answered_at"])
            if command.transform:
                events.command_recorded(record, command, actor, channel)
        log = logger.info if outcome == Outcome.SUCCESS else logger.warning
        log(
            "registry %s %s [%s]: %s %s",
            command.name,
            command.object_name,
            record.cl_trid,
            outcome,
            record.message,
        )

    # ------------------------------------------------------------------ conveniences

    def domain_check(self, *names: str, **options: Any) -> CommandResult:
        return self.execute(cmd.domain_check(*names), **options)

    def domain_info(self, name: str, authinfo: str | None = None, **options: Any) -> CommandResult:
        return self.execute(cmd.domain_info(name, authinfo), **options)

    def update_domain(
        self,
        name: str,
        *,
        add_statuses: Iterable[str] = (),
        remove_statuses: Iterable[str] = (),
        registrant: str | None = None,
        authinfo: str | None = None,
        remove_authinfo: bool = False,
        **options: Any,
    ) -> CommandResult:
        command = cmd.domain_update(
            name,
            add_statuses=add_statuses,
            remove_statuses=remove_statuses,
            registrant=registrant,
            authinfo=authinfo,
            remove_authinfo=remove_authinfo,
        )
        return self.execute(command, **options)

    def transfer_request(
        self, name: str, authinfo: str, *, period_years: int | None = None, **options: Any
    ) -> CommandResult:
        return self.execute(cmd.transfer_request(name, authinfo, period_years=period_years), **options)

    def transfer_query(self, name: str, authinfo: str | None = None, **options: Any) -> CommandResult:
        return self.execute(cmd.transfer_query(name, authinfo), **options)

    def transfer_approve(self, name: str, **options: Any) -> CommandResult:
        return self.execute(cmd.transfer_approve(name), **options)

    def transfer_reject(self, name: str, **options: Any) -> CommandResult:
        return self.execute(cmd.transfer_reject(name), **options)

    def transfer_cancel(self, name: str, authinfo: str | None = None, **options: Any) -> CommandResult:
        return self.execute(cmd.transfer_cancel(name, authinfo), **options)

    def transfer_resend_confirmation(self, name: str, authinfo: str, **options: Any) -> CommandResult:
        return self.execute(cmd.transfer_resend_confirmation(name, authinfo), **options)

    def contact_create(self, contact: ContactData, authinfo: str, **options: Any) -> CommandResult:
        return self.execute(cmd.contact_create(contact, authinfo), **options)

    def contact_info(
        self, handle: str, authinfo: str | None = None, *, authinfo_roid: str | None = None, **options: Any
    ) -> CommandResult:
        return self.execute(cmd.contact_info(handle, authinfo, authinfo_roid), **options)

    def poll_request(self, **options: Any) -> CommandResult:
        return self.execute(cmd.poll_request(), **options)

    def poll_ack(self, msg_id: str, **options: Any) -> CommandResult:
        return self.execute(cmd.poll_ack(msg_id), **options)
