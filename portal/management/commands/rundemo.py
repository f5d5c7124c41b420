"""Start the whole product on the embedded default: the registry sandbox, the database with
demo data, and the web server, and print how to log in."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.demo import DEMO_PASSWORD, seed_demo
from registry.epp.results import RegistryError
from registry.models import Domain
from registry.tasks import sync_domain


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class Command(BaseCommand):
    help = "Run the demo: registry sandbox on loopback, SQLite with demo data, the web server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        sandbox = self._start_sandbox()
        background = None
        try:
            logins = seed_demo()
            self._sync_domains()
            background = self._start_background_rounds()
            self._print_welcome(addrport, logins)
            # No autoreloader: it would start a second copy of this command and its sandbox.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            for process in (background, sandbox):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)

    def _start_background_rounds(self) -> subprocess.Popen:
        """Without Celery beat, one process reads the registry's poll messages, retries and
        reconciles transfers and fires due timers every few seconds."""
        log_path = Path(settings.DATA_DIR) / "background.log"
        process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "process_registry",
                "--loop",
                "--interval",
                "5",
            ],
            stdout=log_path.open("a"),
            stderr=subprocess.STDOUT,
        )
        self.stdout.write(f"Background rounds (poll, retries, timers) every 5 s; log: {log_path}")
        return process

    def _start_sandbox(self) -> subprocess.Popen | None:
        host, port = settings.REGISTRY["HOST"], settings.REGISTRY["PORT"]
        if _port_open(host, port):
            self.stdout.write(f"A registry is already listening on {host}:{port}; using it.")
            return None
        log_path = Path(settings.REGISTRY_SANDBOX_DIR) / "sandbox.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "registry_sandbox",
                "run",
                "--seed",
                "--host",
                host,
                "--port",
                str(port),
                "--https-port",
                str(settings.REGISTRY_SANDBOX_HTTPS_PORT),
            ],
            stdout=log_path.open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        https_port = settings.REGISTRY_SANDBOX_HTTPS_PORT
        while not (_port_open(host, port) and _port_open(host, https_port)):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise CommandError(f"The registry sandbox did not start; see {log_path}.")
            time.sleep(0.2)
        mail_dir = settings.REGISTRY_SANDBOX_MAIL_DIR
        self.stdout.write(
            f"Registry sandbox: EPP over TLS on {host}:{port} (.com .net .eu), NASK's EPP over HTTPS on "
            f"{host}:{https_port} (.pl; the registrant's e-mails go to {mail_dir}); log: {log_path}"
        )
        return process

    def _sync_domains(self) -> None:
        """Read our demo domains back from the sandbox, so both sides agree to the second."""
        for name in Domain.objects.held_by_us().values_list("name", flat=True):
            try:
                sync_domain(name)
            except RegistryError as exc:
                self.stderr.write(f"Could not read {name} from the registry: {exc}")

    def _print_welcome(self, addrport: str, logins) -> None:
        url = f"http://{addrport}/"
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS(f"RegFlow demo: open {url}"))
        out.write(f"Demo logins (password for every one: {DEMO_PASSWORD}):")
        for login in logins:
            role = login.role + (f" / {login.team}" if login.team else "")
            out.write(f"  {login.username:<20} {role}")
        out.write(f"  {'admin':<20} Django admin at {url}admin/")
        out.write("")
        out.write("Domains at the sandbox registry, with their authinfo codes for transfer demos:")
        call_command("registry_sandbox", "codes", stdout=self.stdout)
        out.write("")
