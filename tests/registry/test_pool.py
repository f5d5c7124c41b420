"""Pooled EPP sessions against the real sandbox: logins saved across worker processes, kept
alive past the registry's idle timeout, replaced when dropped, capped per registrar across
processes (slots in the database), a killed worker's slot taken over, a refused login, a fork."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from registry.epp import CommandOutcomeUnknown, EppClient, LoginRefused, RegistryUnavailable, TcpTlsTransport
from registry.epp.pool import SessionPool
from registry.epp.results import CommandFailed
from registry.gateway import RegistryGateway
from registry.models import RegistryCommand, RegistrySessionSlot
from registry.sandbox.server import SandboxServer
from registry.sessions import close_pools, pool_for

from ..fixtures.worker import _database_url

ROOT = Path(__file__).resolve().parents[2]


def spawn(config: dict, *args: str) -> subprocess.Popen:
    """A worker process (tests/registry/pool_worker.py) on the test database and ``config``."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(),
        REGISTRY_HOST=config["HOST"],
        REGISTRY_PORT=str(config["PORT"]),
        REGISTRY_CA_FILE=str(config["CA_FILE"]),
        REGISTRY_CLIENT_ID=config["CLIENT_ID"],
        REGISTRY_PASSWORD=config["PASSWORD"],
        REGISTRY_VALIDATE_RESPONSES="1",
        REGISTRY_POOL_SIZE=str(config["POOL_SIZE"]),
        REGISTRY_MAX_SESSIONS=str(config["MAX_SESSIONS"]),
        REGISTRY_KEEPALIVE=str(config["KEEPALIVE"]),
        REGISTRY_SESSION_WAIT=str(config["SESSION_WAIT"]),
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.registry.pool_worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def own_registrar(registry_settings, settings, sandbox_registrar) -> dict:
    """settings.REGISTRY as a registrar of the test's own, so that the sandbox's counts are its."""
    me = sandbox_registrar()
    settings.REGISTRY = {
        **registry_settings,
        "CLIENT_ID": me.client_id,
        "PASSWORD": me.password,
        "POOL_SIZE": 2,
        "MAX_SESSIONS": 4,
        "KEEPALIVE": 60.0,
        "SESSION_WAIT": 30.0,
    }
    return settings.REGISTRY


def logins(sandbox: SandboxServer, client_id: str) -> int:
    return sandbox.commands_handled[(client_id, "login")]


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_send_200_commands_on_at_most_four_logins(own_registrar, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    workers = [spawn(own_registrar, "--threads", "2", "--commands", "50") for _ in range(2)]
    for worker in workers:
        assert finished(worker)["errors"] == []
    assert sandbox.commands_handled[(client_id, "domain:info")] == 200
    assert 2 <= logins(sandbox, client_id) <= 2 * 2  # workers × pool size
    assert RegistryCommand.objects.filter(registrar_client_id=client_id, outcome="success").count() == 200
    # each process logged its sessions out at exit and gave the slots back
    assert sandbox.sessions_open[client_id] == 0
    assert not RegistrySessionSlot.objects.filter(registrar_client_id=client_id).exists()


@pytest.mark.django_db(transaction=True)
def test_an_idle_session_is_kept_alive_past_the_registrys_idle_timeout(settings, registry_settings, tmp_path):
    server = SandboxServer(tmp_path / "idle", idle_timeout=1.0)
    server.store.add_registrar("regflow", "RegFlow", "sandbox-regflow-pw")
    now = server.store.now()
    server.store.add_domain(
        "bezczynny.com",
        sponsor="regflow",
        registrant=None,
        authinfo="Idle-Code-1",
        created_at=now - timedelta(days=400),
        expires_at=now + timedelta(days=200),
    )
    with server:
        settings.REGISTRY = {
            **registry_settings,
            "PORT": server.port,
            "CA_FILE": str(server.cert_path),
            "KEEPALIVE": 0.3,
        }
        with RegistryGateway.from_settings() as gateway:
            gateway.domain_info("bezczynny.com")
        claimed = RegistrySessionSlot.objects.get(registrar_client_id="regflow")
        time.sleep(2.5)  # more than twice the registry's idle timeout
        with RegistryGateway.from_settings() as gateway:
            assert gateway.domain_info("bezczynny.com").response.code == 1000
        assert server.commands_handled[("regflow", "login")] == 1
        assert server.commands_handled[("regflow", "hello")] >= 3
        renewed = RegistrySessionSlot.objects.get(registrar_client_id="regflow")
        assert renewed.holder == claimed.holder and renewed.heartbeat_at > claimed.heartbeat_at


@pytest.mark.django_db
def test_after_the_registry_dropped_every_session_the_next_command_logs_in_again(own_registrar, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    with RegistryGateway.from_settings() as gateway:
        gateway.domain_info("nowak-design.com")
    assert sandbox.drop_sessions() >= 1
    with RegistryGateway.from_settings() as gateway:
        result = gateway.domain_info("nowak-design.com")
    assert result.response.code == 1000 and result.record.outcome == "success"
    assert logins(sandbox, client_id) == 2
    assert pool_for().size == 1  # the dead session was replaced, not added to
    assert RegistrySessionSlot.objects.filter(registrar_client_id=client_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_with_one_session_allowed_a_second_worker_waits_for_it(own_registrar, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    config = {**own_registrar, "MAX_SESSIONS": 1, "KEEPALIVE": 0.4}
    start = time.time() + 4  # both processes ask at the same moment, once Django is up
    workers = [spawn(config, "--hold", "1.5", "--start-at", str(start)) for _ in range(2)]
    first, second = sorted((finished(w) for w in workers), key=lambda r: r["got"])
    assert abs(first["asked"] - second["asked"]) < 0.5 and second["asked"] < first["done"]
    assert second["got"] >= first["done"]  # it waited until the first was through
    assert sandbox.sessions_peak[client_id] == 1  # never two sessions at once at the registry
    assert sandbox.commands_handled[(client_id, "domain:info")] == 4


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_slot_is_taken_over_once_stale(own_registrar, settings, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    settings.REGISTRY = {**own_registrar, "MAX_SESSIONS": 1, "KEEPALIVE": 0.5, "SESSION_WAIT": 0.5}
    worker = spawn(settings.REGISTRY, "--hang")
    try:
        assert worker.stdout.readline().strip() == "ready"
        # while the worker lives (and renews its slot), nobody else gets a session
        time.sleep(2)
        with pytest.raises(RegistryUnavailable, match="every session the registrar may hold"):
            RegistryGateway.from_settings()
        holder = RegistrySessionSlot.objects.get(registrar_client_id=client_id).holder
        assert holder.split(":")[1] == str(worker.pid)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    settings.REGISTRY = {**settings.REGISTRY, "SESSION_WAIT": 5.0}
    began = time.monotonic()
    with RegistryGateway.from_settings() as gateway:
        assert gateway.domain_info("nowak-design.com").response.code == 1000
    assert time.monotonic() - began < 5
    taken = RegistrySessionSlot.objects.get(registrar_client_id=client_id)
    assert taken.holder.split(":")[1] == str(os.getpid())


@pytest.mark.django_db(transaction=True)
def test_a_worker_gives_back_an_idle_session_when_another_waits_for_one(own_registrar, settings, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    settings.REGISTRY = {**own_registrar, "MAX_SESSIONS": 1, "KEEPALIVE": 0.4, "SESSION_WAIT": 5.0}
    worker = spawn(settings.REGISTRY, "--idle")
    try:
        assert worker.stdout.readline().strip() == "ready"
        assert sandbox.sessions_open[client_id] == 1
        began = time.monotonic()
        with RegistryGateway.from_settings() as gateway:
            assert gateway.domain_info("nowak-design.com").response.code == 1000
        assert time.monotonic() - began < 3
        # The worker lives on (renewing its slot, so nothing went stale) and yet its session had
        # ended before ours began: it gave it back on being asked.
        assert worker.poll() is None
        assert sandbox.sessions_peak[client_id] == 1
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)


@pytest.mark.django_db
def test_a_refused_login_does_not_poison_the_pool(own_registrar, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    sandbox.store.refuse_logins(client_id, 2502)
    try:
        with pytest.raises(LoginRefused), RegistryGateway.from_settings() as gateway:
            gateway.domain_info("nowak-design.com")
        assert pool_for().size == 0
        assert not RegistrySessionSlot.objects.filter(registrar_client_id=client_id).exists()
    finally:
        sandbox.store.refuse_logins(client_id, None)
    with RegistryGateway.from_settings() as gateway:
        assert gateway.domain_info("nowak-design.com").response.code == 1000
    with RegistryGateway.from_settings() as gateway:
        assert gateway.domain_info("nowak-design.com").response.code == 1000
    # one session for both commands (the sandbox counts a refused login as no one's)
    assert logins(sandbox, client_id) == 1
    assert pool_for().size == 1


@pytest.mark.django_db
def test_a_session_whose_answer_was_lost_is_closed_one_that_got_a_2400_is_kept(
    own_registrar, sandbox, sandbox_domain
):
    client_id = own_registrar["CLIENT_ID"]
    domain = sandbox_domain(sponsor="nordhost")
    sandbox.store.fail_next(client_id, "domain:info")
    with pytest.raises(CommandFailed), RegistryGateway.from_settings() as gateway:
        gateway.domain_info(domain.name)
    assert pool_for().size == 1 and logins(sandbox, client_id) == 1  # the registry's answer: kept
    sandbox.lose_next_answer(client_id)
    with pytest.raises(CommandOutcomeUnknown), RegistryGateway.from_settings() as gateway:
        gateway.transfer_request(domain.name, domain.authinfo)
    assert pool_for().size == 0  # closed, never lent again
    assert not RegistrySessionSlot.objects.filter(registrar_client_id=client_id).exists()
    with RegistryGateway.from_settings() as gateway:
        assert gateway.transfer_query(domain.name).data.status == "pending"
    assert logins(sandbox, client_id) == 2


@pytest.mark.django_db
def test_pools_closed_while_a_session_is_lent_end_it_when_it_comes_back(own_registrar, sandbox):
    client_id = own_registrar["CLIENT_ID"]
    idle, lent = RegistryGateway.from_settings(), RegistryGateway.from_settings()
    idle.domain_info("nowak-design.com")
    lent.domain_info("nowak-design.com")
    idle.close()
    assert sandbox.sessions_open[client_id] == 2
    close_pools()  # as at a worker's shutdown
    assert sandbox.sessions_open[client_id] == 1  # the idle one logged out, the lent one not yet
    assert lent.domain_info("nowak-design.com").response.code == 1000  # its holder may finish
    assert RegistrySessionSlot.objects.filter(registrar_client_id=client_id).count() == 1
    lent.close()
    assert sandbox.sessions_open[client_id] == 0
    assert not RegistrySessionSlot.objects.filter(registrar_client_id=client_id).exists()


# ---------------------------------------------------------------------------- the pool alone


def plain_pool(sandbox: SandboxServer, client_id: str, password: str, **options) -> SessionPool:
    def make() -> EppClient:
        transport = TcpTlsTransport("127.0.0.1", sandbox.port, ca_file=sandbox.cert_path, timeout=5)
        return EppClient(transport, client_id=client_id, password=password, validate_responses=True)

    return SessionPool(make, name=client_id, **options)


def test_a_full_pool_makes_the_next_caller_wait_then_says_why(sandbox, sandbox_registrar):
    me = sandbox_registrar()
    pool = plain_pool(sandbox, me.client_id, me.password, max_size=1)
    try:
        with pool.session() as client:
            client.domain_info("nowak-design.com")
            with pytest.raises(RegistryUnavailable, match="all 1 sessions of this process are in use"):
                pool.checkout(timeout=0.2)
            returned = threading.Timer(0.3, pool.checkin, args=(client,))
            took = []
            returned.start()
            took.append(pool.checkout(timeout=5))
            assert took == [client]  # the same session, handed over when it came back
    finally:
        pool.close()
    assert logins(sandbox, me.client_id) == 1
    assert sandbox.sessions_open[me.client_id] == 0  # close() logged it out


def test_a_forked_child_does_not_use_the_parents_session(sandbox, sandbox_registrar):
    me = sandbox_registrar()
    pool = plain_pool(sandbox, me.client_id, me.password)
    try:
        with pool.session() as client:
            client.domain_info("nowak-design.com")
        pid = os.fork()
        if pid == 0:  # the child: a session of its own, the parent's left alone
            code = 1
            try:
                with pool.session() as own:
                    own.domain_info("nowak-design.com")
                    code = 0 if own is not client and pool.size == 1 else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        with pool.session() as again:
            assert again is client and again.domain_info("nowak-design.com").code == 1000
    finally:
        pool.close()
    assert logins(sandbox, me.client_id) == 2  # the parent's one, and the child's own
    assert client.reconnects == 0
