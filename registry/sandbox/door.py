"""What every door of the sandbox shares, whatever it speaks on the wire: the registry and its
store, the certificate, TLS with an optional client CA, the tick that settles transfers whose
window has closed, the count of frames handled and the staged trouble (lost answers, connections
closed from the server's side).

``server.SandboxServer`` is RFC 5734 (EPP over TLS on TCP); ``https.SandboxHttpsServer`` is EPP
over HTTPS with a session cookie. Both may serve one store at the same time.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from registry.epp.framing import DEFAULT_MAX_FRAME_SIZE
from registry.epp.namespaces import RFC, Namespaces

from .certs import ensure_server_certificate
from .registry import Outcome, SandboxRegistry, Session
from .store import SandboxStore

logger = logging.getLogger(__name__)

CommandObserver = Callable[[str | None, str, str | None], None]


def address_family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class SandboxDoor:
    # Where the door's certificate lives, under the sandbox's directory: a door of its own
    # has a certificate of its own, as a registry's endpoints do.
    cert_subdirectory = ""
    thread_name = "sandbox-epp"
    description = "EPP sandbox"
    # the EPP dialect the door speaks; the registry keeps only its TLDs (common.POLICIES)
    dialect: Namespaces = RFC

    def __init__(
        self,
        directory: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        store: SandboxStore | None = None,
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
        self.store = store if store is not None else SandboxStore(self.directory)
        self.registry = self.make_registry(self.store)
        self.cert_path, self.key_path = ensure_server_certificate(
            self.directory / self.cert_subdirectory, [host]
        )
        # frames handled, by client ID and command name; tests read it to prove a frame was not sent
        self.commands_handled: Counter[tuple[str | None, str]] = Counter()
        self.command_observer: CommandObserver | None = None
        self._server: socketserver.TCPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Event] = {}
        self._lose_answer_for: Counter[str] = Counter()
        self._lock = threading.Lock()

    def make_registry(self, store: SandboxStore) -> SandboxRegistry:
        """What answers the frames: a door that speaks a registry's own dialect makes its own."""
        return SandboxRegistry(store)

    def _make_server(self) -> socketserver.TCPServer:
        raise NotImplementedError

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
        self._server = self._make_server()
        serve = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=self.thread_name,
            daemon=True,
        )
        tick = threading.Thread(target=self._tick, name=f"{self.thread_name}-tick", daemon=True)
        self._threads = [serve, tick]
        for thread in self._threads:
            thread.start()
        logger.info("%s listening on %s:%s", self.description, self.host, self.port)
        return self.port

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._close_connections()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> SandboxDoor:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_until_stopped(self) -> None:
        """Block the calling thread until ``stop`` (for the management command)."""
        self._stopping.wait()

    # ------------------------------------------------------------------ staged trouble

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

    def _close_connections(self, timeout: float = 5.0) -> int:
        """Close every open connection from the server's side and wait until they are closed."""
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, closed in connections:
            closed.wait(timeout)
        return len(connections)

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

    def _handshake(self, raw: socket.socket, address: tuple) -> ssl.SSLSocket | None:
        raw.settimeout(self.handshake_timeout)
        # answers go out in pieces (HTTP headers, body; an EPP header, its frame): no Nagle delay
        with contextlib.suppress(OSError):
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            return self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.info("sandbox: TLS handshake with %s:%s failed: %s", address[0], address[1], exc)
            raw.close()
            return None

    @contextlib.contextmanager
    def _tracked(self, sock: ssl.SSLSocket) -> Iterator[None]:
        """The connection is known to ``_close_connections`` while the block runs, closed after."""
        closed = threading.Event()
        with self._lock:
            self._connections[sock] = closed
        try:
            yield
        finally:
            with self._lock:
                self._connections.pop(sock, None)
            with contextlib.suppress(OSError):
                sock.close()
            closed.set()

    def _execute(self, session: Session, data: bytes) -> Outcome | None:
        """The registry's outcome of one frame, counted; None when its answer is to be lost."""
        outcome = self.registry.handle(session, data)
        self.commands_handled[(outcome.client_id, outcome.command)] += 1
        if self.command_observer is not None:
            self.command_observer(outcome.client_id, outcome.command, outcome.cl_trid)
        if self._take_lost_answer(outcome.client_id, outcome.command):
            logger.info("sandbox: dropping the answer to %s as staged", outcome.command)
            return None
        return outcome
