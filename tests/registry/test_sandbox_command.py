"""manage.py registry_sandbox: run, seed, codes, clock."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.epp import EppClient, ObjectDoesNotExist, TcpTlsTransport
from registry.epp.frames import NASK_FRAMES
from registry.epp.https import HttpsTransport
from registry.management.commands.registry_sandbox import parse_duration
from registry.sandbox.seed import seed
from registry.sandbox.server import SandboxServer
from registry.sandbox.store import SandboxStore

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("registry_sandbox", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("seeded")
    assert "Sandbox seeded: 3 registrars, 7 contacts, 13 domains." in run("seed", "--dir", str(directory))
    return directory


def test_seeding_twice_leaves_the_sandbox_alone_unless_reset(seeded_dir):
    assert "already seeded" in run("seed", "--dir", str(seeded_dir))
    store = SandboxStore(seeded_dir)
    store.advance_clock(timedelta(days=3))
    assert "Sandbox seeded" in run("seed", "--reset", "--dir", str(seeded_dir))
    assert store.clock_offset() == timedelta(0)
    assert store.authinfo_matches("ogrodnik.pl", "Ogrod-Demo-5Hn2-Qw7e")


def test_codes_lists_the_demo_domains(seeded_dir):
    lines = run("codes", "--dir", str(seeded_dir)).splitlines()
    assert len(lines) == 13
    [ogrodnik] = [line for line in lines if "ogrodnik.pl" in line]
    assert ogrodnik.split()[1:4] == ["nordhost", "Ogrod-Demo-5Hn2-Qw7e", "transferable"]
    assert any("żółtyrower.pl" in line for line in lines)


def test_codes_tells_when_a_transfer_replaced_a_code(tmp_path):
    with SandboxServer(tmp_path) as server:
        seed(server.store)

        def client(client_id: str, password: str) -> EppClient:
            transport = TcpTlsTransport("127.0.0.1", server.port, ca_file=server.cert_path, timeout=5)
            return EppClient(transport, client_id=client_id, password=password)

        with (
            client("regflow", "sandbox-regflow-pw") as us,
            client("webpartner", "sandbox-webpartner-pw") as them,
        ):
            us.transfer_request("zajac-foto.com", "Zajac-Demo-4Cx1-Hj9k")
            them.transfer_approve("zajac-foto.com")
    [line] = [line for line in run("codes", "--dir", str(tmp_path)).splitlines() if "zajac-foto" in line]
    assert line.split()[1:3] == ["regflow", "(replaced)"]


def test_codes_of_an_empty_sandbox(tmp_path):
    with pytest.raises(CommandError, match="empty"):
        run("codes", "--dir", str(tmp_path))


def test_the_clock_moves_shows_and_resets(tmp_path):
    store = SandboxStore(tmp_path)
    assert "real time + 5d 0h 0m" in run("clock", "--advance", "5d", "--dir", str(tmp_path))
    assert "real time + 6d 12h 0m" in run("clock", "--advance", "1d12h", "--dir", str(tmp_path))
    assert store.clock_offset() == timedelta(days=6, hours=12)
    assert "real time + 6d 12h 0m" in run("clock", "--show", "--dir", str(tmp_path))
    assert "real time + 0d 0h 0m" in run("clock", "--reset", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="not a duration"):
        run("clock", "--advance", "soon", "--dir", str(tmp_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5d", timedelta(days=5)), ("12h", timedelta(hours=12)), ("1d12h", timedelta(days=1, hours=12)),
     ("90m", timedelta(minutes=90)), ("2w", timedelta(weeks=2)), ("30s", timedelta(seconds=30))],
)  # fmt: skip
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "d5", "5x", "5d-1h", "-5d"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_run_serves_until_stopped_and_sees_the_clock_move(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "registry_sandbox",
            "run",
            "--port",
            "0",
            "--no-https",
            "--dir",
            str(tmp_path),
            "--seed",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        while "listening on" not in (line := process.stdout.readline()):
            assert line, "the sandbox stopped before listening: " + "".join(output)
            output.append(line)
        port = int(line.split("listening on 127.0.0.1:")[1].split()[0])
        transport = TcpTlsTransport("127.0.0.1", port, ca_file=tmp_path / "cert.pem", timeout=5)
        with EppClient(transport, client_id="regflow", password="sandbox-regflow-pw") as client:
            client.transfer_request("zajac-foto.com", "Zajac-Demo-4Cx1-Hj9k")
            run("clock", "--advance", "5d1h", "--dir", str(tmp_path))  # from this process
            assert client.transfer_query("zajac-foto.com").data.status == "serverApproved"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "EPP sandbox stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()


def test_run_serves_nask_beside_the_rfc_registry_and_mails_the_subscriber(tmp_path):
    """Both doors by default, one store: .pl at NASK's over HTTPS, its confirmation e-mail
    in the mail folder, and the link in it completes the transfer."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1"}
    mail_dir = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "registry_sandbox", "run", "--port", "0", "--https-port", "0"]
        + ["--dir", str(tmp_path / "sandbox"), "--mail-dir", str(mail_dir), "--seed"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = []
        while "over HTTPS at" not in (line := process.stdout.readline()):
            assert line, "the sandbox stopped before serving HTTPS: " + "".join(output)
            output.append(line)
        tcp_port = int("".join(output).split("listening on 127.0.0.1:")[1].split()[0])
        url = line.split("over HTTPS at ")[1].split()[0]
        assert url.startswith("https://127.0.0.1:") and url.endswith("/registry/epp")
        assert str(mail_dir) in line
        ca = tmp_path / "sandbox" / "https" / "cert.pem"
        https = HttpsTransport(url, ca_file=ca, timeout=5, hello_frame=NASK_FRAMES.hello())
        with EppClient(
            https, client_id="regflow", password="sandbox-regflow-pw", dialect=NASK_FRAMES
        ) as nask:
            assert nask.transfer_request("ogrodnik.pl", "Ogrod-Demo-5Hn2-Qw7e").code == 1001
            [mail] = mail_dir.glob("*.eml")
            message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
            assert message["To"] == "jan.kowalski@example.pl"  # the registrant's e-mail at the registry
            link = re.search(r"https://\S+/registry/confirm\S+", message.get_content()).group(0)
            context = ssl.create_default_context(cafile=ca)
            page = urllib.request.urlopen(link, context=context, timeout=5).read().decode()
            assert "ogrodnik.pl" in page and 'method="post"' in page
            # opening the link confirms nothing: only the button does
            status = nask.transfer_query("ogrodnik.pl", "Ogrod-Demo-5Hn2-Qw7e").data.status
            assert status == "pending"
            form = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
            confirm = urllib.request.Request(
                link.split("?")[0], data=urllib.parse.urlencode(form).encode(), method="POST"
            )
            assert (
                "potwierdzony" in urllib.request.urlopen(confirm, context=context, timeout=5).read().decode()
            )
        tcp = TcpTlsTransport("127.0.0.1", tcp_port, ca_file=tmp_path / "sandbox" / "cert.pem", timeout=5)
        with EppClient(tcp, client_id="regflow", password="sandbox-regflow-pw") as rfc:
            assert rfc.domain_info("nowak-design.com").data.sponsor == "regflow"
            with pytest.raises(ObjectDoesNotExist):
                rfc.domain_info("ogrodnik.pl")  # not the RFC registry's
        assert SandboxStore(tmp_path / "sandbox").domain("ogrodnik.pl").sponsor == "regflow"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "EPP sandbox stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
