"""The sandbox's EPP server: RFC 5734 (TLS over TCP) on loopback, one thread per session.

    server = SandboxServer("var/sandbox")   # makes cert.pem/key.pem on first start
    port = server.start()                   # returns at once; serves in the background
    ...
    server.stop()

Besides serving, it offers what tests and demos need to stage trouble for real: closing every
session (as a registry does after an idle timeout) and losing the answer to a client's next
command after executing it. What it shares with the HTTPS door is in ``door.SandboxDoor``.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
from collections import Counter
from typing import Any

from registry.epp.framing import ConnectionClosed, FrameError, read_frame, write_frame

from .door import SandboxDoor, address_family
from .registry import Session

logger = logging.getLogger(__name__)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.sandbox._serve(self.request, self.client_address)


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.address_family = address_family(address[0])
        super().__init__(address, _Handler)


class SandboxServer(SandboxDoor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # logged-in sessions by client ID: open now, and the most open at once (tests read it
        # to prove a limit on sessions held)
        self.sessions_open: Counter[str] = Counter()
        self.sessions_peak: Counter[str] = Counter()

    def _make_server(self) -> _ThreadingServer:
        return _ThreadingServer((self.host, self.requested_port), self)

    def drop_sessions(self, timeout: float = 5.0) -> int:
        """Close every open session from the server's side and wait until they are closed."""
        return self._close_connections(timeout)

    def _serve(self, raw: socket.socket, address: tuple) -> None:
        sock = self._handshake(raw, address)
        if sock is None:
            return
        with self._tracked(sock):
            sock.settimeout(self.idle_timeout)
            self._converse(sock, Session(peer=f"{address[0]}:{address[1]}", dialect=self.dialect))

    def _converse(self, sock: ssl.SSLSocket, session: Session) -> None:
        logged_in_as = None
        try:
            write_frame(sock, self.registry.greeting())
            while not self._stopping.is_set():
                outcome = self._execute(session, read_frame(sock, self.max_frame_size))
                if logged_in_as is None and session.client_id is not None:
                    logged_in_as = session.client_id
                    self._session_began(logged_in_as)
                if outcome is None:
                    return
                if outcome.close and logged_in_as is not None:
                    # counted as ended before the client can read the answer and open another
                    self._session_ended(logged_in_as)
                    logged_in_as = None
                write_frame(sock, outcome.reply)
                if outcome.close:
                    return
        except (OSError, ConnectionClosed, FrameError) as exc:  # timeouts, the peer going away
            logger.debug("sandbox session %s ended: %s", session.peer, exc)
        except Exception:
            logger.exception("sandbox session %s failed", session.peer)
        finally:
            if logged_in_as is not None:
                self._session_ended(logged_in_as)

    def _session_began(self, client_id: str) -> None:
        with self._lock:
            self.sessions_open[client_id] += 1
            self.sessions_peak[client_id] = max(self.sessions_peak[client_id], self.sessions_open[client_id])

    def _session_ended(self, client_id: str) -> None:
        with self._lock:
            self.sessions_open[client_id] -= 1
