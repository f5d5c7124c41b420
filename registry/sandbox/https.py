"""The sandbox's HTTPS door: EPP over HTTPS with a session cookie, as NASK (.pl) serves it.

    door = SandboxHttpsServer("var/sandbox", store=tcp_door.store)  # https/cert.pem on first start
    door.start()     # https://127.0.0.1:<port>/registry/epp

One POST to ``/registry/epp`` per frame, the XML as the body; the answer is the body of the
HTTP answer. A successful ``<login>`` sets a cookie naming the session; every later command
carries it. A command without a cookie, or with one whose session is gone (logged out, idle
too long, dropped), is answered as any command before a login is (2002), and a cookie the
door no longer knows is deleted in that answer. ``<hello/>`` needs no session. Failed logins
are counted per TCP connection, as over RFC 5734.

Staged trouble: ``drop_sessions`` forgets every cookie (the registry restarted),
``drop_connections`` closes the TCP connections but keeps the sessions (keep-alive ended),
``lose_next_answer`` executes a client's next command and closes the connection unanswered.
"""

from __future__ import annotations

import contextlib
import html
import logging
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from registry.epp.namespaces import NASK

from .common import Refusal
from .door import SandboxDoor, address_family
from .registry import Session

logger = logging.getLogger(__name__)

EPP_PATH = "/registry/epp"
CONFIRM_PATH = "/registry/confirm"

PAGE = (
    '<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>Rejestr domen .pl (sandbox)</title>'
    "<style>body{{font-family:sans-serif;max-width:36em;margin:3em auto;line-height:1.5}}"
    "button{{font-size:1em;padding:.5em 1em}}</style></head><body>{body}</body></html>"
)
CONFIRM_FORM = (
    "<h1>Potwierdzenie transferu domeny {domain}</h1>"
    "<p>Rejestrator <strong>{registrar}</strong> poprosił o przeniesienie do niego obsługi domeny "
    "<strong>{domain}</strong>. Jeśli to Twoja decyzja, potwierdź.</p>"
    '<form method="post" action="'
    + CONFIRM_PATH
    + '"><input type="hidden" name="transfer" value="{transfer}">'
    '<input type="hidden" name="token" value="{token}">'
    '<button type="submit">Potwierdzam transfer / I confirm the transfer</button></form>'
)
CONFIRM_DONE = "<h1>Transfer potwierdzony</h1><p>Domena {domain} przechodzi do nowego rejestratora.</p>"
CONFIRM_GONE = "<h1>Link nieważny</h1><p>Ten link wygasł, został zastąpiony nowym albo już go użyto.</p>"


def _link_values(values: dict[str, list[str]]) -> tuple[int, str]:
    transfer = (values.get("transfer") or [""])[0]
    token = (values.get("token") or [""])[0]
    return (int(transfer) if transfer.isdigit() else 0), token


COOKIE_NAME = "EPPSESSIONID"
COOKIE_PATH = "/registry"
CONTENT_TYPE = "text/xml; charset=UTF-8"
_DISCARD_AT_MOST = 16 * 1024 * 1024


@dataclass
class _CookieSession:
    session: Session
    last_seen: float
    # one command at a time per session, as over a TCP connection
    lock: threading.Lock = field(default_factory=threading.Lock)


def _set_cookie(token: str) -> str:
    return f"{COOKIE_NAME}={token}; Path={COOKIE_PATH}; Secure; HttpOnly"


def _delete_cookie() -> str:
    return f"{COOKIE_NAME}=; Max-Age=0; Path={COOKIE_PATH}; Secure; HttpOnly"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "RegFlowSandbox"
    sys_version = ""
    server: _HttpsServer

    def setup(self) -> None:
        self.door = self.server.door
        self.timeout = self.door.idle_timeout  # an idle keep-alive connection is closed
        super().setup()
        self.peer = f"{self.client_address[0]}:{self.client_address[1]}"
        # before a login the connection's own session answers, failed logins and all
        self.anonymous = Session(peer=self.peer, dialect=self.door.dialect)

    def log_message(self, format: str, *args: object) -> None:
        # the request line only; bodies carry passwords and authinfo and are never logged
        logger.debug("sandbox https %s: " + format, self.peer, *args)

    def do_POST(self) -> None:
        if urlsplit(self.path).path == CONFIRM_PATH:
            self._confirm_transfer()
            return
        if urlsplit(self.path).path != EPP_PATH:
            self._plain(HTTPStatus.NOT_FOUND)
            return
        length = self.headers.get("Content-Length", "")
        if "Transfer-Encoding" in self.headers or not length.isdigit():
            self._plain(HTTPStatus.LENGTH_REQUIRED, close=True)
            return
        if int(length) > self.door.max_frame_size:
            self._discard(int(length))
            self._plain(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, close=True)
            return
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            self.close_connection = True  # the client went away halfway
            return
        self._converse(body)

    def _discard(self, length: int) -> None:
        """Read a refused body without keeping it, up to a bound: a connection closed with
        unread data is reset, and the client might never read why it was refused."""
        remaining = min(length, _DISCARD_AT_MOST)
        with contextlib.suppress(OSError):
            while remaining > 0 and (chunk := self.rfile.read(min(remaining, 65536))):
                remaining -= len(chunk)

    def _converse(self, body: bytes) -> None:
        token = self._session_token()
        entry = self.door._session(token) if token else None
        session = entry.session if entry is not None else self.anonymous
        try:
            with entry.lock if entry is not None else contextlib.nullcontext():
                outcome = self.door._execute(session, body)
        except Exception:
            logger.exception("sandbox https %s failed", self.peer)
            self._plain(HTTPStatus.INTERNAL_SERVER_ERROR, close=True)
            return
        if outcome is None:
            self.close_connection = True  # staged: executed, never answered
            return
        cookies = []
        if entry is None:
            if session.client_id is not None:  # logged in just now
                cookies.append(_set_cookie(self.door._open_session(session)))
                self.anonymous = Session(peer=self.peer, dialect=self.door.dialect)
            elif token:
                cookies.append(_delete_cookie())  # a session this registry no longer knows
            if outcome.close:
                self.anonymous = Session(peer=self.peer, dialect=self.door.dialect)
        elif session.client_id is None or outcome.close:  # logged out
            self.door._end_session(token)
            cookies.append(_delete_cookie())
        self._answer(HTTPStatus.OK, outcome.reply, CONTENT_TYPE, cookies=cookies, close=outcome.close)

    def _session_token(self) -> str | None:
        jar = SimpleCookie()
        for header in self.headers.get_all("Cookie") or ():
            with contextlib.suppress(CookieError):
                jar.load(header)
        morsel = jar.get(COOKIE_NAME)
        return morsel.value if morsel is not None and morsel.value else None

    # ------------------------------------------------------------------ the subscriber's page

    def _confirmation_page(self) -> None:
        """GET of the link in the registry's e-mail: what would be confirmed, and a button.
        Only the POST confirms, so a mail scanner that follows links confirms nothing."""
        query = parse_qs(urlsplit(self.path).query)
        transfer_id, token = _link_values(query)
        transfer = self.door.registry.transfer_waiting(transfer_id, token) if transfer_id else None
        if transfer is None or transfer.status != "pending":
            self._page(HTTPStatus.NOT_FOUND, CONFIRM_GONE)
            return
        self._page(
            HTTPStatus.OK,
            CONFIRM_FORM.format(
                domain=html.escape(transfer.domain),
                registrar=html.escape(transfer.requested_by),
                transfer=transfer.id,
                token=html.escape(token, quote=True),
            ),
        )

    def _confirm_transfer(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > 4096:
            self._plain(HTTPStatus.BAD_REQUEST, close=True)
            return
        form = parse_qs(self.rfile.read(int(length)).decode("ascii", "replace"))
        transfer_id, token = _link_values(form)
        try:
            domain = self.door.registry.confirm_transfer(transfer_id, token)
        except Refusal:
            self._page(HTTPStatus.NOT_FOUND, CONFIRM_GONE)
            return
        self._page(HTTPStatus.OK, CONFIRM_DONE.format(domain=html.escape(domain)))

    def _page(self, status: HTTPStatus, body: str) -> None:
        page = PAGE.format(body=body).encode()
        self._answer(status, page, "text/html; charset=UTF-8")

    def _other_method(self) -> None:
        if self.command in ("GET", "HEAD") and urlsplit(self.path).path == CONFIRM_PATH:
            self._confirmation_page()
            return
        if urlsplit(self.path).path != EPP_PATH:
            self._plain(HTTPStatus.NOT_FOUND)
        else:
            self._plain(HTTPStatus.METHOD_NOT_ALLOWED, headers={"Allow": "POST"})

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _other_method

    def _plain(
        self, status: HTTPStatus, *, close: bool = False, headers: dict[str, str] | None = None
    ) -> None:
        text = f"{status.value} {status.phrase}\n".encode()
        self._answer(status, text, "text/plain; charset=UTF-8", close=close, headers=headers)

    def _answer(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        *,
        cookies: Sequence[str] = (),
        close: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], door: SandboxHttpsServer) -> None:
        self.door = door
        self.address_family = address_family(address[0])
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own looks the host's name up in the DNS, which the sandbox has no need of
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.door.host, self.server_address[1]

    def finish_request(self, request: socket.socket, client_address: tuple) -> None:
        # The TLS handshake here, in the connection's own thread, not in the accepting one.
        sock = self.door._handshake(request, client_address)
        if sock is None:
            return
        with self.door._tracked(sock), contextlib.suppress(OSError):  # the client going away
            self.RequestHandlerClass(sock, client_address, self)


class SandboxHttpsServer(SandboxDoor):
    """NASK's registry as the sandbox plays it: its dialect (.pl only), over HTTPS, with the
    page the subscriber's confirmation link opens."""

    cert_subdirectory = "https"
    thread_name = "sandbox-epp-https"
    description = "EPP sandbox (HTTPS, NASK)"
    dialect = NASK

    def start(self) -> int:
        port = super().start()
        host = f"[{self.host}]" if ":" in self.host else self.host
        # the links in the registry's e-mails point here
        self.store.confirmation_url = f"https://{host}:{port}{CONFIRM_PATH}"
        return port

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cookie_sessions: dict[str, _CookieSession] = {}

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}{EPP_PATH}"

    def _make_server(self) -> _HttpsServer:
        return _HttpsServer((self.host, self.requested_port), self)

    # ------------------------------------------------------------------ staged trouble

    def drop_sessions(self) -> int:
        """Forget every session, as a registry that restarted would: the next command with
        any cookie given until now is answered as one sent before a login."""
        with self._lock:
            count = len(self._cookie_sessions)
            self._cookie_sessions.clear()
        return count

    def drop_connections(self, timeout: float = 5.0) -> int:
        """Close every TCP connection from the server's side; the sessions live on."""
        return self._close_connections(timeout)

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._cookie_sessions)

    # ------------------------------------------------------------------ sessions by cookie

    def _open_session(self, session: Session) -> str:
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            idle = [t for t, e in self._cookie_sessions.items() if now - e.last_seen > self.idle_timeout]
            for stale in idle:
                del self._cookie_sessions[stale]
            self._cookie_sessions[token] = _CookieSession(session, now)
        return token

    def _session(self, token: str) -> _CookieSession | None:
        """The session the cookie names, None if there is none (any more); each use keeps it alive."""
        now = time.monotonic()
        with self._lock:
            entry = self._cookie_sessions.get(token)
            if entry is None:
                return None
            if now - entry.last_seen > self.idle_timeout:
                del self._cookie_sessions[token]
                return None
            entry.last_seen = now
            return entry

    def _end_session(self, token: str) -> None:
        with self._lock:
            self._cookie_sessions.pop(token, None)
