"""The sandbox's EPP server: RFC 5734 (TLS over TCP) on loopback, one thread per session.

    server = SandboxServer("var/sandbox")   # makes cert.pem/key.pem on first start
    port = server.start()                   # returns at once; serves in the background
    ...
    server.stop()

Besides serving, it offers what tests and demos need to stage trouble for real: closing every
session (as a registry does after an idle timeout), losing the answer to a client's next
command after executing it, closing the connection when a command arrives without executing
it, and sending a damaged answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from registry.epp.framing import (
    DEFAULT_MAX_FRAME_SIZE,
    ConnectionClosed,
    FrameError,
    read_frame,
    write_frame,
)
from registry.epp.namespaces import EPP, q
from registry.epp.results import XmlRefused
from registry.epp.safexml import parse_xml

from .certs import ensure_server_certificate
from .registry import SandboxRegistry, Session
from .store import SandboxStore

logger = logging.getLogger(__name__)

CommandObserver = Callable[[str | None, str, str | None], None]


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.sandbox._serve(self.request, self.client_address)


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)


class SandboxServer:
    def __init__(
        self,
        directory: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tick_seconds: float = 5.0,
        idle_timeout: float = 600.0,
        handshake_timeout: float = 10.0,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        client_ca_file: str | Path | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.host, self.requested_port = host, port
        self.tick_seconds = tick_seconds
        self.idle_timeout = idle_timeout
        self.handshake_timeout = handshake_timeout
        self.max_frame_size = max_frame_size
        self.client_ca_file = Path(client_ca_file) if client_ca_file else None
        self.store = SandboxStore(self.directory)
        self.registry = SandboxRegistry(self.store)
        self.cert_path, self.key_path = ensure_server_certificate(self.directory, [host])
        # frames handled, by client ID and command name; tests read it to prove a frame was not sent
        self.commands_handled: Counter[tuple[str | None, str]] = Counter()
        self.command_observer: CommandObserver | None = None
        self._server: _ThreadingServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._sessions: dict[socket.socket, threading.Event] = {}
        self._lose_answer_for: Counter[str] = Counter()
        self._drop_command_for: Counter[tuple[str, str]] = Counter()
        self._damage_answer_for: defaultdict[tuple[str, str], list[Callable[[bytes], bytes]]] = defaultdict(
            list
        )
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.server_address[1]

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        if self.client_ca_file is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(self.client_ca_file)
        return context

    def start(self) -> int:
        """Start serving in background threads and return the bound port."""
        if self._server is not None:
            return self.port
        self._context = self._ssl_context()
        self._stopping.clear()
        self._server = _ThreadingServer((self.host, self.requested_port), self)
        serve = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="sandbox-epp", daemon=True
        )
        tick = threading.Thread(target=self._tick, name="sandbox-tick", daemon=True)
        self._threads = [serve, tick]
        for thread in self._threads:
            thread.start()
        logger.info("EPP sandbox listening on %s:%s", self.host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self.drop_sessions()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_until_stopped(self) -> None:
        """Block the calling thread until ``stop`` (for the management command)."""
        self._stopping.wait()

    # ------------------------------------------------------------------ staged trouble

    def drop_sessions(self, timeout: float = 5.0) -> int:
        """Close every open session from the server's side and wait until they are closed."""
        with self._lock:
            sessions = list(self._sessions.items())
        for sock, _ in sessions:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, closed in sessions:
            closed.wait(timeout)
        return len(sessions)

    def lose_next_answer(self, client_id: str) -> None:
        """Execute the next command from ``client_id`` (other than login) but close the
        connection instead of answering it."""
        with self._lock:
            self._lose_answer_for[client_id] += 1

    def _take_lost_answer(self, client_id: str | None, command: str) -> bool:
        if client_id is None or command in ("login", "hello", "invalid"):
            return False
        with self._lock:
            if self._lose_answer_for[client_id] > 0:
                self._lose_answer_for[client_id] -= 1
                return True
        return False

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
            command = parse_xml(data).find(q(EPP, "command"))
        except XmlRefused:
            return False
        if command is None or not len(command):
            return False
        key = (client_id, SandboxRegistry._command_name(command[0]))
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

    # ------------------------------------------------------------------ serving

    def _tick(self) -> None:
        while not self._stopping.wait(self.tick_seconds):
            try:
                settled = self.registry.settle_due_transfers()
            except Exception:  # the tick must survive a locked or broken database
                logger.exception("sandbox tick failed")
                continue
            if settled:
                logger.info("sandbox registry approved %d transfer(s) whose window closed", settled)

    def _serve(self, raw: socket.socket, address: tuple) -> None:
        peer = f"{address[0]}:{address[1]}"
        closed = threading.Event()
        raw.settimeout(self.handshake_timeout)
        try:
            sock = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.info("sandbox: TLS handshake with %s failed: %s", peer, exc)
            raw.close()
            return
        with self._lock:
            self._sessions[sock] = closed
        try:
            sock.settimeout(self.idle_timeout)
            self._converse(sock, Session(peer=peer))
        finally:
            with self._lock:
                self._sessions.pop(sock, None)
            with contextlib.suppress(OSError):
                sock.close()
            closed.set()

    def _converse(self, sock: ssl.SSLSocket, session: Session) -> None:
        try:
            write_frame(sock, self.registry.greeting())
            while not self._stopping.is_set():
                data = read_frame(sock, self.max_frame_size)
                if self._take_dropped_command(session.client_id, data):
                    logger.info("sandbox: closing the connection before executing a command, as staged")
                    return
                outcome = self.registry.handle(session, data)
                self.commands_handled[(outcome.client_id, outcome.command)] += 1
                if self.command_observer is not None:
                    self.command_observer(outcome.client_id, outcome.command, outcome.cl_trid)
                if self._take_lost_answer(outcome.client_id, outcome.command):
                    logger.info("sandbox: dropping the answer to %s as staged", outcome.command)
                    return
                write_frame(sock, self._damaged(outcome.client_id, outcome.command, outcome.reply))
                if outcome.close:
                    return
        except (OSError, ConnectionClosed, FrameError) as exc:  # timeouts, the peer going away
            logger.debug("sandbox session %s ended: %s", session.peer, exc)
        except Exception:
            logger.exception("sandbox session %s failed", session.peer)
