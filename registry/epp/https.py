"""EPP over HTTPS with a session cookie, as NASK (.pl) speaks it.

Each frame is one POST of the raw XML to the registry's URL and its answer is the body of
the HTTP answer. The session is the cookie the server sets when the login succeeds: the TCP
connection under it may be closed and opened again between two frames without the session
noticing. A ``<hello/>`` needs no session; ``connect`` sends one so that the greeting is the
first frame received, as ``EppClient`` expects of every transport.

To keep "not delivered" apart from "answer lost", ``send_frame`` only writes the request and
``recv_frame`` reads the answer: a failure once the request is written shows in
``recv_frame``, like a lost answer over RFC 5734.
"""

from __future__ import annotations

import http.client
import http.cookies
import logging
import ssl
import time
from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from .framing import DEFAULT_MAX_FRAME_SIZE, FrameError
from .results import ClientConfigurationError, RegistryUnavailable
from .transport import client_context, open_tls_connection, stream_closed

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/xml; charset=UTF-8"


class _Connection(http.client.HTTPSConnection):
    """http.client's connection, opened the way every registry connection is, so that a
    refused connection or a certificate that does not verify reads the same over both doors."""

    def __init__(self, transport: HttpsTransport, context: ssl.SSLContext) -> None:
        super().__init__(transport.host, transport.port, timeout=transport.timeout, context=context)
        self._transport = transport
        self._tls_context = context

    def connect(self) -> None:
        self.sock = open_tls_connection(
            self.host,
            self.port,
            context=self._tls_context,
            server_hostname=self.host,
            timeout=self._transport.timeout,
            where=self._transport.where,
        )


class HttpsTransport:
    def __init__(
        self,
        url: str,
        *,
        ca_file: str | Path | None,
        client_cert: str | Path | None = None,
        client_key: str | Path | None = None,
        timeout: float = 15.0,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        hello_frame: bytes,
        idle_timeout: float = 300.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ClientConfigurationError(f"the registry URL {url!r} is not an https:// URL with a host")
        self.url = url
        self.host = parts.hostname
        try:
            self.port = parts.port or 443
        except ValueError:
            raise ClientConfigurationError(f"the registry URL {url!r} has an invalid port") from None
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.ca_file = Path(ca_file) if ca_file else None
        self.client_cert = Path(client_cert) if client_cert else None
        self.client_key = Path(client_key) if client_key else None
        self.timeout = timeout
        self.max_frame_size = max_frame_size
        self.hello_frame = hello_frame
        # The registry forgets a session left idle; past this we take it as forgotten.
        self.idle_timeout = idle_timeout
        self._conn: _Connection | None = None
        self._cookies: dict[str, tuple[str, float | None]] = {}  # name: (value, expires at)
        self._session_ended = False
        self._last_answer: float | None = None
        self._awaiting = False
        self._greeting: bytes | None = None

    def __repr__(self) -> str:
        return f"<HttpsTransport {self.where}>"

    @property
    def where(self) -> str:
        return self.url

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def connect(self) -> None:
        self.close()
        context = client_context(self.ca_file, self.client_cert, self.client_key)
        self._conn = _Connection(self, context)
        try:
            self._conn.connect()
            self.send_frame(self.hello_frame)
            self._greeting = self.recv_frame()
        except BaseException:
            self.close()
            raise

    def _require(self) -> _Connection:
        if self._conn is None:
            raise RegistryUnavailable(f"not connected to the registry at {self.where}")
        return self._conn

    def send_frame(self, data: bytes) -> None:
        conn = self._require()
        self._greeting = None
        if conn.sock is not None and stream_closed(conn.sock, self.timeout):
            # The server closed an idle keep-alive connection: the session lives in the
            # cookie, so a new connection carries on with it.
            logger.debug("HTTPS connection to %s closed by the server; opening another", self.where)
            conn.close()
        headers = {"Content-Type": CONTENT_TYPE, "Accept": "text/xml"}
        cookie = self._cookie_header()
        if cookie:
            headers["Cookie"] = cookie
        try:
            conn.request("POST", self.path, body=data, headers=headers)
        except RegistryUnavailable:
            self.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise RegistryUnavailable(f"sending to the registry at {self.where} failed: {exc}") from None
        self._awaiting = True

    def recv_frame(self) -> bytes:
        if self._greeting is not None:
            greeting, self._greeting = self._greeting, None
            return greeting
        conn = self._require()
        if not self._awaiting:
            raise RegistryUnavailable(f"nothing sent to the registry at {self.where} awaits an answer")
        self._awaiting = False
        try:
            body = self._read_answer(conn)
        except FrameError:
            self.close()  # the rest of that body is still on the connection
            raise
        except RegistryUnavailable:
            self.close()
            raise
        except TimeoutError:
            self.close()
            raise RegistryUnavailable(
                f"the registry at {self.where} did not answer within {self.timeout:g} s"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise RegistryUnavailable(f"receiving from the registry at {self.where} failed: {exc}") from None
        self._last_answer = time.monotonic()
        return body

    def _read_answer(self, conn: _Connection) -> bytes:
        response = conn.getresponse()
        if response.status != 200:
            raise RegistryUnavailable(
                f"the registry at {self.where} answered HTTP {response.status} {response.reason}".rstrip()
            )
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_frame_size:
            raise FrameError(
                f"an answer of {declared} bytes is larger than the {self.max_frame_size} bytes allowed"
            )
        body = response.read(self.max_frame_size + 1)
        if len(body) > self.max_frame_size:
            raise FrameError(f"an answer larger than the {self.max_frame_size} bytes allowed")
        response.close()
        self._take_cookies(response.headers.get_all("Set-Cookie") or ())
        return body

    # ------------------------------------------------------------------ the session cookie

    def _take_cookies(self, headers: Iterable[str]) -> None:
        now = time.time()
        for header in headers:
            jar = http.cookies.SimpleCookie()
            try:
                jar.load(header)
            except http.cookies.CookieError:
                logger.warning("the registry at %s set a cookie that cannot be read; ignored", self.where)
                continue
            for name, morsel in jar.items():
                expires_at = _expiry(morsel, now)
                if expires_at is not None and expires_at <= now:
                    if self._cookies.pop(name, None) is not None:
                        self._session_ended = True
                else:
                    self._cookies[name] = (morsel.value, expires_at)

    def _lapse_cookies(self) -> None:
        now = time.time()
        for name, (_value, expires_at) in list(self._cookies.items()):
            if expires_at is not None and expires_at <= now:
                del self._cookies[name]
                self._session_ended = True

    def _cookie_header(self) -> str:
        self._lapse_cookies()
        return "; ".join(f"{name}={value}" for name, (value, _) in self._cookies.items())

    def peer_closed(self) -> bool:
        """True when no session can be alive at the registry: never connected, the server
        deleted the cookie (or it lapsed), or left idle longer than the registry keeps it."""
        if self._conn is None:
            return True
        self._lapse_cookies()
        if self._session_ended:
            return True
        return self._last_answer is not None and time.monotonic() - self._last_answer > self.idle_timeout

    def close(self) -> None:
        conn, self._conn = self._conn, None
        self._cookies.clear()
        self._session_ended = False
        self._last_answer = None
        self._awaiting = False
        self._greeting = None
        if conn is not None:
            conn.close()


def _expiry(morsel: http.cookies.Morsel, now: float) -> float | None:
    """When the cookie lapses (Max-Age wins over Expires, RFC 6265 §5.3); None: with the session."""
    max_age = morsel["max-age"]
    if max_age:
        try:
            return now + int(max_age)
        except ValueError:
            pass
    if morsel["expires"]:
        try:
            return parsedate_to_datetime(morsel["expires"]).timestamp()
        except (TypeError, ValueError):
            pass
    return None
