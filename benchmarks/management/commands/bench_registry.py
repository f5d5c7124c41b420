"""Commands per second to a registry: pooled sessions against a session per command."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from registry.epp import EppClient, TcpTlsTransport
from registry.epp.frames import NASK_FRAMES
from registry.epp.https import HttpsTransport
from registry.epp.pool import SessionPool
from registry.sandbox import demo_data
from registry.sandbox.door import SandboxDoor
from registry.sandbox.https import SandboxHttpsServer
from registry.sandbox.seed import seed
from registry.sandbox.server import SandboxServer

# a demo domain we hold at each registry
DOMAINS = {"rfc": "nowak-design.com", "nask": "kowalski.pl"}


class Command(BaseCommand):
    help = (
        "Starts a registry sandbox of its own and sends --count domain:info commands over EPP, "
        "(a) through a pool of logged-in sessions and (b) on a new session per command (connect, "
        "TLS, login, command, logout), in alternating rounds; prints commands per second, their "
        "ratio and the logins each used."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=200, help="commands per round and way")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--threads", type=int, default=1, help="callers sending at once")
        parser.add_argument("--pool-size", type=int, default=2)
        parser.add_argument(
            "--registry",
            choices=sorted(DOMAINS),
            default="rfc",
            help="the RFC registry over TLS (rfc) or NASK's dialect over HTTPS (nask)",
        )

    def handle(
        self, *args, count: int, rounds: int, threads: int, pool_size: int, registry: str, **options
    ) -> None:
        if count < threads or rounds < 1:
            raise CommandError("--count must be at least --threads, --rounds at least 1.")
        machine = (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()} "
            f"({sys.implementation.name}), {platform.system()} {platform.release()}"
        )
        self.stdout.write(f"Machine: {machine}")
        self.stdout.write(
            f"{count} domain:info per round and way, {rounds} rounds, {threads} caller(s), "
            f"pool of {pool_size}, registry {registry}"
        )
        with tempfile.TemporaryDirectory(prefix="bench-registry-") as directory:
            tcp = SandboxServer(directory, tick_seconds=3600)
            seed(tcp.store)
            https = SandboxHttpsServer(directory, tick_seconds=3600, store=tcp.store)
            with tcp, https:
                server = https if registry == "nask" else tcp
                self._compare(server, registry, count, rounds, threads, pool_size)

    def _compare(
        self, server: SandboxDoor, registry: str, count: int, rounds: int, threads: int, pool_size: int
    ) -> None:
        password = {r.client_id: r.password for r in demo_data.REGISTRARS}[demo_data.US]
        domain = DOMAINS[registry]

        def make() -> EppClient:
            if registry == "nask":
                transport = HttpsTransport(
                    server.url, ca_file=server.cert_path, timeout=15, hello_frame=NASK_FRAMES.hello()
                )
                return EppClient(transport, client_id=demo_data.US, password=password, dialect=NASK_FRAMES)
            transport = TcpTlsTransport("127.0.0.1", server.port, ca_file=server.cert_path, timeout=15)
            return EppClient(transport, client_id=demo_data.US, password=password)

        def pooled(pool: SessionPool) -> None:
            with pool.session() as client:
                client.domain_info(domain)

        def one_session() -> None:
            with make() as client:
                client.domain_info(domain)

        rates: dict[str, list[float]] = {"pool": [], "session per command": []}
        logins: dict[str, int] = {"pool": 0, "session per command": 0}
        self.stdout.write(f"{'round':>5}  {'way':22} {'commands/s':>11} {'logins':>7}")
        for number in range(1, rounds + 1):
            order = ["pool", "session per command"] if number % 2 else ["session per command", "pool"]
            for way in order:
                before = server.commands_handled[(demo_data.US, "login")]
                if way == "pool":
                    pool = SessionPool(make, name="bench", max_size=pool_size)
                    try:
                        seconds = _run(lambda pool=pool: pooled(pool), count, threads)
                    finally:
                        pool.close()
                else:
                    seconds = _run(one_session, count, threads)
                used = server.commands_handled[(demo_data.US, "login")] - before
                rates[way].append(count / seconds)
                logins[way] += used
                self.stdout.write(f"{number:5d}  {way:22} {count / seconds:11.1f} {used:7d}")
        pooled_rate = statistics.median(rates["pool"])
        single_rate = statistics.median(rates["session per command"])
        self.stdout.write(
            f"\nmedian commands/s: pool {pooled_rate:.1f}, session per command {single_rate:.1f}; "
            f"the pool is {pooled_rate / single_rate:.1f}x as fast"
        )
        self.stdout.write(
            f"logins for {count * rounds} commands: pool {logins['pool']}, "
            f"session per command {logins['session per command']}"
        )


def _run(send: Callable[[], None], count: int, threads: int) -> float:
    """Seconds to send ``count`` commands from ``threads`` callers."""
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    failures: list[BaseException] = []

    def caller(share: int) -> None:
        try:
            for _ in range(share):
                send()
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=caller, args=(share,)) for share in shares]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        raise CommandError(f"a command failed: {failures[0]}")
    return time.perf_counter() - began
