"""The registry sandbox: run it, seed it, show its demo codes, move its clock.

manage.py registry_sandbox run [--host H] [--port P] [--https [--https-port P]] [--dir D] [--seed]
manage.py registry_sandbox seed [--reset]
manage.py registry_sandbox codes
manage.py registry_sandbox clock --advance 5d | --show | --reset
"""

from __future__ import annotations

import re
import signal
import threading
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.names import to_unicode
from registry.sandbox import demo_data
from registry.sandbox.door import SandboxDoor
from registry.sandbox.https import SandboxHttpsServer
from registry.sandbox.seed import seed
from registry.sandbox.server import SandboxServer
from registry.sandbox.store import SandboxStore

_DURATION = re.compile(r"(\d+)([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """``5d``, ``1d12h``, ``90m``, ``2w``: a positive amount of time."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"“{text}” is not a duration such as 5d, 12h, 1d12h or 90m")
    delta = timedelta()
    for amount, unit in parts:
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    return delta


class Command(BaseCommand):
    help = "The registry sandbox: an EPP server on loopback that behaves like a registry."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="run|seed|codes|clock")

        def with_dir(sub: CommandParser) -> CommandParser:
            sub.add_argument(
                "--dir",
                default=str(settings.REGISTRY_SANDBOX_DIR),
                help="The sandbox's directory: its storage, certificate and key (default: %(default)s).",
            )
            return sub

        run = with_dir(actions.add_parser("run", help="Serve EPP over TLS until stopped."))
        run.add_argument("--host", default="127.0.0.1")
        run.add_argument("--port", type=int, default=int(settings.REGISTRY["PORT"]))
        run.add_argument(
            "--no-https",
            dest="https",
            action="store_false",
            help="Do not serve NASK's door (EPP over HTTPS with a session cookie, .pl only).",
        )
        run.add_argument(
            "--https-port",
            type=int,
            default=None,
            help="NASK's door's port (default: settings.REGISTRY_SANDBOX_HTTPS_PORT).",
        )
        run.add_argument(
            "--mail-dir",
            default=str(settings.REGISTRY_SANDBOX_MAIL_DIR),
            help="Where the registry e-mails (NASK's transfer confirmations) go (default: %(default)s).",
        )
        run.add_argument(
            "--seed", action="store_true", help="Seed the demo data first if the sandbox is empty."
        )
        run.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks for closing windows."
        )

        seed_cmd = with_dir(
            actions.add_parser("seed", help="Load the demo registrars, contacts and domains.")
        )
        seed_cmd.add_argument("--reset", action="store_true", help="Forget everything first, clock included.")

        with_dir(actions.add_parser("codes", help="List the demo domains with sponsor and authinfo code."))

        clock = with_dir(actions.add_parser("clock", help="Show or move the sandbox clock."))
        moves = clock.add_mutually_exclusive_group(required=True)
        moves.add_argument("--advance", metavar="DURATION", help="Move forward, e.g. 5d, 12h, 1d12h.")
        moves.add_argument("--show", action="store_true", help="Print the sandbox time and offset.")
        moves.add_argument("--reset", action="store_true", help="Back to the real time.")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(Path(options["dir"]), **options)

    # ------------------------------------------------------------------ actions

    def _run(
        self,
        directory: Path,
        *,
        host: str,
        port: int,
        https: bool,
        https_port: int | None,
        seed: bool,
        tick: float,
        mail_dir: str,
        **_options,
    ) -> None:
        store = SandboxStore(directory, mail_dir=mail_dir)
        server = SandboxServer(directory, host, port, tick_seconds=tick, store=store)
        doors: list[SandboxDoor] = [server]
        if https:
            https_port = settings.REGISTRY_SANDBOX_HTTPS_PORT if https_port is None else https_port
            # the one store: both doors see and change the same registry
            doors.append(
                SandboxHttpsServer(directory, host, https_port, tick_seconds=tick, store=server.store)
            )
        if seed:
            self._report_seed(server.store, reset=False)
        try:
            for door in doors:
                try:
                    door.start()
                except OSError as exc:
                    raise CommandError(
                        f"Cannot listen on {host}:{door.requested_port}: {exc.strerror or exc}"
                    ) from None
            self.stdout.write(
                f"EPP sandbox listening on {host}:{server.port} "
                f"(TLS; clients verify it with {server.cert_path})"
            )
            for door in doors[1:]:
                self.stdout.write(
                    f"EPP sandbox over HTTPS at {door.url} (clients verify it with {door.cert_path}); "
                    f"NASK's e-mails go to {store.mail_dir}"
                )
            self.stdout.flush()
            stop = threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            stop.wait()
        finally:
            for door in doors:
                door.stop()
        self.stdout.write("EPP sandbox stopped.")

    def _seed(self, directory: Path, *, reset: bool, **_options) -> None:
        self._report_seed(SandboxStore(directory), reset=reset)

    def _report_seed(self, store: SandboxStore, *, reset: bool) -> None:
        report = seed(store, reset=reset)
        if report.domains:
            self.stdout.write(
                f"Sandbox seeded: {report.registrars} registrars, {report.contacts} contacts, "
                f"{report.domains} domains."
            )
        else:
            self.stdout.write("Sandbox already seeded; left as it is (use seed --reset to start again).")

    def _codes(self, directory: Path, **_options) -> None:
        store = SandboxStore(directory)
        if not store.is_seeded():
            raise CommandError("The sandbox is empty: run `manage.py registry_sandbox seed` first.")
        rows = []
        for domain in demo_data.DOMAINS:
            current = store.domain(domain.name)
            if current is None:
                continue
            code = domain.authinfo if store.authinfo_matches(domain.name, domain.authinfo) else "(replaced)"
            shown = to_unicode(domain.name)
            rows.append((shown, current.sponsor, code, domain.note))
        width = max(len(r[0]) for r in rows)
        for name, sponsor, code, note in rows:
            self.stdout.write(f"  {name:<{width}}  {sponsor:<11} {code:<24} {note}".rstrip())

    def _clock(self, directory: Path, *, advance: str | None, show: bool, reset: bool, **_options) -> None:
        store = SandboxStore(directory)
        if advance:
            try:
                delta = parse_duration(advance)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            store.advance_clock(delta)
        elif reset:
            store.reset_clock()
        offset = store.clock_offset()
        self.stdout.write(
            f"Sandbox time: {store.now():%Y-%m-%d %H:%M:%S} UTC (real time + {_describe(offset)})"
        )


def _describe(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return f"{days}d {hours}h {minutes}m"
