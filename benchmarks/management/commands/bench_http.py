"""Requests per second and response times over HTTP: gunicorn with production's settings
(DEBUG off, the full middleware, secure cookies and CSRF as behind the TLS proxy) on a
PostgreSQL database and a registry sandbox of the run's own, driven by many people at once,
each logged in in a browser of their own.

Side by side in each round: the login page (the baseline: no session, no query worth the
name), the pages people open most (a customer's home, domain list and transfer request; the
domains team's queue) and a state-changing POST that goes to the registry (a customer locks
or unlocks transfers of their own domain). Then a steady pace, each person pausing between
requests, for the response times people would see.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks.load import report
from benchmarks.load.cpu import PARTS, Meter, spent
from benchmarks.load.seed import lock_states
from benchmarks.load.users import PHASES, Person, Record, User, busy, paced
from registry.sandbox import demo_data

_HIDDEN = "used by the command for its own worker processes"
HOST = "127.0.0.1"


class Command(BaseCommand):
    help = (
        "Makes a PostgreSQL database and a registry sandbox of its own, seeds them, starts gunicorn "
        "with production's settings and drives --users people at once (each logged in with a session "
        "of their own): the login page, typical pages and a POST that locks or unlocks a domain at the "
        "registry, in alternating phases without a pause, then at a steady pace. Prints requests per "
        "second, p50/p95/max and errors by kind, and the POST's throughput against the login page's."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=50, help="people at once (a tenth of them staff)")
        parser.add_argument("--seconds", type=float, default=10.0, help="seconds per phase and round")
        parser.add_argument("--rounds", type=int, default=2, help="rounds of the three phases, alternating")
        parser.add_argument("--think", type=float, default=1.0, help="mean pause at a steady pace, seconds")
        parser.add_argument(
            "--paced-seconds", type=float, default=20.0, help="seconds at a steady pace (0: none)"
        )
        parser.add_argument("--workers", type=int, default=4, help="gunicorn's (sync) worker processes")
        parser.add_argument("--port", type=int, default=8765, help="gunicorn's port on 127.0.0.1")
        parser.add_argument(
            "--registry-port", type=int, default=7800, help="the sandbox's EPP port; HTTPS on the next one"
        )
        parser.add_argument("--volume", type=int, default=2000, help="background requests (seed_volume)")
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request fails")
        parser.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="an environment variable for the server only, e.g. AXES_FAILURE_LIMIT=1000",
        )
        parser.add_argument("--worker", choices=["setup"], help=_HIDDEN)
        parser.add_argument("--state-file", default="", help=_HIDDEN)

    def handle(self, *args, **options) -> None:
        if options["worker"]:
            self._work(Path(options["state_file"]))
            return
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_http measures gunicorn on PostgreSQL (several worker processes on one database); "
                f"the configured database is {connection.vendor}. Set DATABASE_URL to a PostgreSQL server."
            )
        users, workers = options["users"], options["workers"]
        if users < 2 or workers < 1 or options["rounds"] < 1 or options["seconds"] <= 0:
            raise CommandError(
                "--users must be at least 2, --workers and --rounds at least 1, --seconds above 0."
            )
        extra = dict(item.split("=", 1) for item in options["env"] if "=" in item)
        if len(extra) != len(options["env"]):
            raise CommandError("--env takes NAME=VALUE.")
        ports = (options["port"], options["registry_port"], options["registry_port"] + 1)
        for port in ports:
            _refuse_busy(port)
        before = os.getloadavg()
        name = f"bench_http_{os.getpid()}"
        directory = Path(tempfile.mkdtemp(prefix="bench-http-"))
        running: list[subprocess.Popen] = []
        try:
            self._admin(f'CREATE DATABASE "{name}"')
            env = self._server_env(name, directory, ports, extra)
            # The sandbox and gunicorn's workers load while the database is migrated and seeded:
            # neither touches it before the first request.
            running.append(_sandbox(env, directory, ports))
            running.append(_gunicorn(env, directory, options["port"], workers))
            staff = max(1, users // 10)
            state = directory / "state.json"
            state.write_text(
                json.dumps({"customers": users - staff, "staff": staff, "volume": options["volume"]})
            )
            setup = ["bench_http", "--worker", "setup", "--state-file", str(state)]
            _run([sys.executable, "manage.py", *setup], env)
            people = [Person(**p) for p in json.loads(state.read_text())["people"]]
            _wait_for_sandbox(running[0], directory)
            _wait_for_http(running[1], options["port"], directory)
            self.stdout.write(self._header(options, people, env, before))
            with self._connect(name) as database:
                meter = Meter(running[1].pid, running[0].pid, database, name)
                results = asyncio.run(_drive(people, env["BENCH_HTTP_SECRET"], options, meter))
                after = os.getloadavg()
                states = lock_states(people, database, Path(env["BENCH_HTTP_SANDBOX"]))
            report.write(self.stdout.write, results, states, options, before, after)
        finally:
            for process in reversed(running):
                _stop(process)
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(directory, ignore_errors=True)

    # ------------------------------------------------------------------ the worker side

    def _work(self, state_file: Path) -> None:
        from django.core.management import call_command

        from benchmarks.load.seed import seed_load

        state = json.loads(state_file.read_text())
        call_command("migrate", verbosity=0)
        people = seed_load(
            customers=state["customers"],
            staff=state["staff"],
            volume=state["volume"],
            sandbox_dir=Path(os.environ["BENCH_HTTP_SANDBOX"]),
            secret=os.environ["BENCH_HTTP_SECRET"],
        )
        state["people"] = [vars(p) for p in people]
        state_file.write_text(json.dumps(state))

    # ------------------------------------------------------------------ the server side

    def _connect(self, name: str):
        import psycopg

        db = settings.DATABASES["default"]
        return psycopg.connect(
            dbname=name,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            autocommit=True,
        )

    def _admin(self, statement: str) -> None:
        with self._connect("postgres") as admin:
            admin.execute(statement)

    def _server_env(
        self, name: str, directory: Path, ports: tuple[int, int, int], extra: dict[str, str]
    ) -> dict[str, str]:
        """Production's settings module with this run's database, sandbox and directories."""
        from urllib.parse import quote

        db = settings.DATABASES["default"]
        user = quote(db.get("USER") or "", safe="")
        password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
        port = f":{db['PORT']}" if db.get("PORT") else ""
        sandbox = directory / "sandbox"
        registrar_password = {r.client_id: r.password for r in demo_data.REGISTRARS}[demo_data.US]
        (directory / "static").mkdir()
        # Jobs run in-process: none of the measured requests asks for one, and a broker shared
        # with other work must not receive this database's jobs.
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DJANGO_DEBUG")}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DATABASE_URL=f"postgres://{user}{password}@{db.get('HOST') or 'localhost'}{port}/{name}",
            DJANGO_ALLOWED_HOSTS=HOST,
            REGFLOW_DATA_DIR=str(directory / "data"),
            DJANGO_STATIC_ROOT=str(directory / "static"),
            # The pages are measured, not their static files, which are never collected here:
            # the hashed names' manifest would be missing and every page would fail.
            DJANGO_STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            REGISTRY_HOST=HOST,
            REGISTRY_PORT=str(ports[1]),
            REGISTRY_CLIENT_ID=demo_data.US,
            REGISTRY_PASSWORD=registrar_password,
            REGISTRY_CA_FILE=str(sandbox / "cert.pem"),
            REGISTRY_NASK_URL=f"https://{HOST}:{ports[2]}/registry/epp",
            REGISTRY_NASK_CLIENT_ID=demo_data.US,
            REGISTRY_NASK_PASSWORD=registrar_password,
            REGISTRY_NASK_CA_FILE=str(sandbox / "https" / "cert.pem"),
            PYTHONUNBUFFERED="1",
            BENCH_HTTP_SANDBOX=str(sandbox),
            BENCH_HTTP_SECRET=secrets.token_urlsafe(16),
        )
        env.update(extra)
        return env

    def _header(
        self, options: dict, people: list[Person], env: dict[str, str], before: tuple[float, ...]
    ) -> str:
        with connection.cursor() as cursor:
            version = cursor.connection.info.server_version
        customers = sum(p.role == "customer" for p in people)
        load = " ".join(f"{x:.2f}" for x in before)
        return "\n".join(
            [
                f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                f"{platform.system()} {platform.release()}, PostgreSQL {version // 10000}.{version % 10000}",
                f"Load average at the start: {load}",
                f"gunicorn: {options['workers']} sync workers on {HOST}:{options['port']}, "
                f"{env['DJANGO_SETTINGS_MODULE']} (DEBUG off, the full middleware, HTTPS as behind the "
                f"proxy); registry sandbox on {HOST}:{options['registry_port']}",
                f"{len(people)} people: {customers} customers, {len(people) - customers} staff of the "
                f"domains team; background: {options['volume']} requests; {options['rounds']} round(s) of "
                f"{options['seconds']:g} s per phase",
            ]
        )


async def _drive(people: list[Person], secret: str, options: dict, meter: Meter) -> dict:
    users = [User(p, HOST, options["port"], secret, options["timeout"]) for p in people]
    # The password hasher is slow on purpose: a few logins at a time, within the timeout.
    gate = asyncio.Semaphore(max(1, options["workers"]))

    async def log_in(user: User) -> None:
        async with gate:
            await user.log_in()

    await asyncio.gather(*(log_in(u) for u in users))
    # Each worker process loads its templates and opens its database connection and registry
    # session on its first requests: not measured.
    warm = Record()
    await asyncio.gather(*(u.warm_up(warm) for u in users))
    rounds: list[dict[str, tuple[Record, float]]] = []
    cpu: dict[str, dict[str, float]] = {phase: dict.fromkeys(PARTS, 0.0) for phase in PHASES}
    for number in range(options["rounds"]):
        order = PHASES[number % 3 :] + PHASES[: number % 3]
        rounds.append({})
        for phase in order:
            before = meter.read()
            rounds[-1][phase] = await busy(users, phase, options["seconds"])
            for part, ms in spent(before, meter.read()).items():
                cpu[phase][part] += ms
    steady = None
    if options["paced_seconds"] > 0:
        steady = await paced(users, options["paced_seconds"], options["think"], random.Random(2026))
    return {
        "rounds": rounds,
        "steady": steady,
        "toggled": {u.person.username: u.toggled for u in users if u.is_customer},
        "locked": {u.person.username: u.locked for u in users if u.is_customer},
        "warm_errors": warm.requests() - sum(len(v) for v in warm.ms.values()),
        "cpu": cpu if meter.available else None,
    }


def _refuse_busy(port: int) -> None:
    with socket.socket() as probe:
        # as the servers bind: a port whose last connections are still closing is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            raise CommandError(
                f"Port {port} on {HOST} is in use: choose others (--port, --registry-port)."
            ) from None


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True)
    if done.returncode:
        raise CommandError(f"{' '.join(command[1:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _sandbox(env: dict[str, str], directory: Path, ports: tuple[int, int, int]) -> subprocess.Popen:
    command = [
        sys.executable,
        "manage.py",
        "registry_sandbox",
        "run",
        *("--dir", env["BENCH_HTTP_SANDBOX"], "--port", str(ports[1]), "--https-port", str(ports[2])),
        *("--mail-dir", str(directory / "registry-mail"), "--tick", "3600"),
    ]
    with open(directory / "sandbox.log", "w") as log:
        return subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=log, text=True
        )


def _wait_for_sandbox(process: subprocess.Popen, directory: Path) -> None:
    for _door in range(2):  # a line for each door once it listens
        if "EPP sandbox" not in process.stdout.readline():
            raise CommandError(f"The registry sandbox did not start:\n{_tail(directory / 'sandbox.log')}")


def _gunicorn(env: dict[str, str], directory: Path, port: int, workers: int) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        *("--bind", f"{HOST}:{port}", "--workers", str(workers), "--log-level", "warning"),
    ]
    with open(directory / "gunicorn.log", "w") as log:
        return subprocess.Popen(
            command,
            env=env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_http(process: subprocess.Popen, port: int, directory: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"gunicorn stopped:\n{_tail(directory / 'gunicorn.log')}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    log = _tail(directory / "gunicorn.log")
    raise CommandError(f"gunicorn did not listen within {seconds:.0f} s:\n{log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""
