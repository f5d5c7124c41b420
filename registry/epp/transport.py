"""How frames reach a registry.

``Transport`` is what the client needs; ``TcpTlsTransport`` is RFC 5734 (EPP over TLS on a
TCP connection). NASK serves EPP over HTTPS with a session cookie: ``https.HttpsTransport``,
with the same operations (``peer_closed`` answered from its cookie's state). Both open their
TLS connections with ``client_context`` and ``open_tls_connection``.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
from pathlib import Path
from typing import Protocol, runtime_checkable

from .framing import DEFAULT_MAX_FRAME_SIZE, FrameError, read_frame, write_frame
from .results import ClientConfigurationError, RegistryUnavailable


@runtime_checkable
class Transport(Protocol):
    def connect(self) -> None:
        """Open the connection; the server's greeting is the first frame to receive."""

    def send_frame(self, data: bytes) -> None:
        """Send one whole frame. If this raises, the frame was not delivered complete."""

    def recv_frame(self) -> bytes:
        """Receive one whole frame."""

    def close(self) -> None:
        """Close; safe to call twice."""

    @property
    def connected(self) -> bool: ...

    def peer_closed(self) -> bool:
        """True when the server has closed the connection (or sent something unasked), so
        that nothing sent now would be read."""


def client_context(
    ca_file: Path | None, client_cert: Path | None = None, client_key: Path | None = None
) -> ssl.SSLContext:
    """The TLS context of a registry client: the registry verified against ``ca_file`` (the
    system's CAs if None), TLS 1.2 at least, our client certificate if we have one."""
    if ca_file is not None and not ca_file.is_file():
        raise ClientConfigurationError(
            f"the CA file {ca_file} that should verify the registry does not exist "
            "(for the sandbox: it is written when the sandbox first starts)"
        )
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if client_cert:
        try:
            context.load_cert_chain(client_cert, client_key)
        except (OSError, ssl.SSLError) as exc:
            raise ClientConfigurationError(
                f"the client certificate {client_cert} cannot be used: {exc}"
            ) from None
    return context


def open_tls_connection(
    host: str, port: int, *, context: ssl.SSLContext, server_hostname: str, timeout: float, where: str
) -> ssl.SSLSocket:
    """A TCP connection with the TLS handshake done; every failure is ``RegistryUnavailable``
    saying what went wrong with the registry at ``where``."""
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
        # A frame goes out in pieces (HTTP headers, then the body): without this, Nagle's
        # algorithm holds the second piece for the peer's delayed ACK, ~40 ms a command.
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except ConnectionRefusedError:
        raise RegistryUnavailable(
            f"the registry at {where} refused the connection (nothing is listening there)"
        ) from None
    except TimeoutError:
        raise RegistryUnavailable(
            f"the registry at {where} did not accept a connection within {timeout:g} s"
        ) from None
    except OSError as exc:
        raise RegistryUnavailable(
            f"the registry at {where} cannot be reached: {exc.strerror or exc}"
        ) from None
    try:
        return context.wrap_socket(raw, server_hostname=server_hostname)
    except ssl.SSLCertVerificationError as exc:
        raw.close()
        raise RegistryUnavailable(
            f"the registry at {where} presented a certificate that does not verify: {exc.verify_message}"
        ) from None
    except TimeoutError:
        raw.close()
        raise RegistryUnavailable(
            f"the registry at {where} did not complete the TLS handshake within {timeout:g} s"
        ) from None
    except (ssl.SSLError, OSError) as exc:
        raw.close()
        raise RegistryUnavailable(f"the TLS handshake with the registry at {where} failed: {exc}") from None


def stream_closed(sock: ssl.SSLSocket, timeout: float) -> bool:
    """Whether the server has closed ``sock`` or sent something nobody asked for."""
    if sock.pending():
        return True  # application data nobody asked for: the stream is out of step
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    if not readable:
        return False
    # Readable may mean only a TLS record with no data in it (a session ticket, a key
    # update): a non-blocking read tells that apart from a close.
    sock.setblocking(False)
    try:
        sock.recv(1)
    except ssl.SSLWantReadError:
        return False
    except OSError:
        return True
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(timeout)
    return True


class TcpTlsTransport:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        ca_file: str | Path | None,
        client_cert: str | Path | None = None,
        client_key: str | Path | None = None,
        timeout: float = 15.0,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        server_hostname: str | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.ca_file = Path(ca_file) if ca_file else None
        self.client_cert = Path(client_cert) if client_cert else None
        self.client_key = Path(client_key) if client_key else None
        self.timeout = timeout
        self.max_frame_size = max_frame_size
        self.server_hostname = server_hostname or host
        self._sock: ssl.SSLSocket | None = None

    def __repr__(self) -> str:
        return f"<TcpTlsTransport {self.where}>"

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def _context(self) -> ssl.SSLContext:
        return client_context(self.ca_file, self.client_cert, self.client_key)

    def connect(self) -> None:
        self.close()
        self._sock = open_tls_connection(
            self.host,
            self.port,
            context=self._context(),
            server_hostname=self.server_hostname,
            timeout=self.timeout,
            where=self.where,
        )

    def _require(self) -> ssl.SSLSocket:
        if self._sock is None:
            raise RegistryUnavailable(f"not connected to the registry at {self.where}")
        return self._sock

    def send_frame(self, data: bytes) -> None:
        sock = self._require()
        try:
            write_frame(sock, data)
        except (OSError, ssl.SSLError) as exc:
            self.close()
            raise RegistryUnavailable(f"sending to the registry at {self.where} failed: {exc}") from None

    def recv_frame(self) -> bytes:
        sock = self._require()
        try:
            return read_frame(sock, self.max_frame_size)
        except FrameError:
            self.close()  # the stream cannot be resynchronised after a bad header
            raise
        except TimeoutError:
            self.close()
            raise RegistryUnavailable(
                f"the registry at {self.where} did not answer within {self.timeout:g} s"
            ) from None
        except RegistryUnavailable as exc:
            self.close()
            raise RegistryUnavailable(f"the registry at {self.where}: {exc}") from None
        except (OSError, ssl.SSLError) as exc:
            self.close()
            raise RegistryUnavailable(f"receiving from the registry at {self.where} failed: {exc}") from None

    def peer_closed(self) -> bool:
        sock = self._sock
        return sock is None or stream_closed(sock, self.timeout)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.close()
