"""The sandbox's EPP server: RFC 5734 (TLS over TCP) on loopback, one thread per session.

    server = SandboxServer("var/sandbox")   # makes cert.pem/key.pem on first start
    port = server.start()                   # returns at once; serves in the background
    ...
    server.stop()

Besides serving, it offers what tests and demos need to stage trouble for real: closing every
session (as a registry does after an idle timeout), losing the answer to a client's next
command after executing it, closing the connection when a command arrives without executing
it, and sending a damaged answer. What it shares with the HTTPS door is in ``door.SandboxDoor``.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from registry.epp.framing import ConnectionClosed, FrameError, read_frame, write_frame
from registry.epp.namespaces import q
from registry.epp.results import XmlRefused
from registry.epp.safexml import parse_xml

from .door import SandboxDoor, address_family
from .registry import SandboxRegistry, Session

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
        self._drop_command_for: Counter[tuple[str, str]] = Counter()
        self._damage_answer_for: defaultdict[tuple[str, str], list[Callable[[bytes], bytes]]] = defaultdict(
            list
        )

    def _make_server(self) -> _ThreadingServer:
        return _ThreadingServer((self.host, self.requested_port), self)

    def drop_sessions(self, timeout: float = 5.0) -> int:
        """Close every open session from the server's side and wait until they are closed."""
        return self._close_connections(timeout)

    def drop_next_command(self, client_id: str, command: str) -> None:
        """Close the connection when the next ``command`` (e.g. "domain:transfer:request") of
        ``client_id`` arrives, without executing it: the client cannot tell this from an
        answer lost after execution, but the registry has done nothing."""
        with self._lock:
            self._drop_command_for[(client_id, command)] += 1

    def damage_next_answer(self, client_id: str, command: str, damage: Callable[[bytes], bytes]) -> None:
        """Execute the next ``command`` of ``client_id`` and send ``damage(answer)`` instead
        of its answer, as a registry with a fault in its answers would."""
        with self._lock:
            self._damage_answer_for[(client_id, command)].append(damage)

    def _take_dropped_command(self, client_id: str | None, data: bytes) -> bool:
        with self._lock:
            if client_id is None or not any(
                n > 0 for (who, _), n in self._drop_command_for.items() if who == client_id
            ):
                return False
        try:
            command = parse_xml(data).find(q(self.dialect.epp, "command"))
        except XmlRefused:
            return False
        if command is None or not len(command):
            return False
        key = (client_id, SandboxRegistry._command_name(command[0], self.dialect))
        with self._lock:
            if self._drop_command_for[key] > 0:
                self._drop_command_for[key] -= 1
                return True
        return False

    def _damaged(self, client_id: str | None, command: str, reply: bytes) -> bytes:
        with self._lock:
            staged = self._damage_answer_for.get((client_id, command))
            damage = staged.pop(0) if staged else None
        return damage(reply) if damage is not None else reply

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
                data = read_frame(sock, self.max_frame_size)
                if self._take_dropped_command(session.client_id, data):
                    logger.info("sandbox: closing the connection before executing a command, as staged")
                    return
                outcome = self._execute(session, data)
                if logged_in_as is None and session.client_id is not None:
                    logged_in_as = session.client_id
                    self._session_began(logged_in_as)
                if outcome is None:
                    return
                if outcome.close and logged_in_as is not None:
                    # counted as ended before the client can read the answer and open another
                    self._session_ended(logged_in_as)
                    logged_in_as = None
                write_frame(sock, self._damaged(outcome.client_id, outcome.command, outcome.reply))
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
