"""No command row is left PENDING, whatever interrupts a command: UNKNOWN once the frame may
have reached the registry, FAILED when it cannot have. And a command whose answer was lost
before the registry executed it is found not to have happened (a transfer query answered
2002, or 2301) and is sent again.

The trouble is staged for real: the sandbox damages an answer, closes the connection before
executing a command, or calls back as it executes one (to stop our side as a worker is
stopped); nothing of the client is replaced.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator

import pytest

from registry.epp import CommandOutcomeUnknown, ProtocolError
from registry.gateway import RegistryGateway
from registry.models import RegistryCommand

Outcome = RegistryCommand.Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_command(sandbox) -> Iterator[Callable[[str, str, Callable[[], None]], None]]:
    """``on_command(client_id, command, action)``: run ``action`` once, in the server, when
    the sandbox has executed that command and before it answers."""
    staged: list[tuple[str, str, Callable[[], None]]] = []

    def observer(client_id, command, _cl_trid) -> None:
        for entry in list(staged):
            if entry[:2] == (client_id, command):
                staged.remove(entry)
                entry[2]()

    sandbox.command_observer = observer
    yield lambda client_id, command, action: staged.append((client_id, command, action))
    sandbox.command_observer = None


@pytest.fixture
def stopped_by_signal() -> Iterator[Callable[[], None]]:
    """A way to stop this process's main thread as a worker is stopped: SIGUSR1 raises
    SystemExit in it, wherever it is (e.g. waiting for the registry's answer)."""

    def stop(_signum, _frame) -> None:
        raise SystemExit("stopped")

    previous = signal.signal(signal.SIGUSR1, stop)
    yield lambda: os.kill(os.getpid(), signal.SIGUSR1)
    signal.signal(signal.SIGUSR1, previous)


def request_row(key: str) -> RegistryCommand:
    return RegistryCommand.objects.get(idempotency_key=key)


def test_a_damaged_answer_leaves_the_row_unknown(registry_gateway, sandbox, sandbox_domain):
    domain = sandbox_domain()
    key = f"fault:{domain.name}:damaged"
    sandbox.damage_next_answer(
        "regflow", "domain:transfer:request", lambda answer: answer.replace(b"pending", b"halfway")
    )
    with pytest.raises(ProtocolError):
        registry_gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    row = request_row(key)
    assert row.outcome == Outcome.UNKNOWN and row.attempts == 1
    assert len(sandbox.store.transfers(domain.name)) == 1  # it was executed: UNKNOWN is the truth


def test_a_fault_of_ours_after_the_frame_left_leaves_the_row_unknown(
    registry_settings, sandbox, sandbox_domain, on_command, tmp_path
):
    # The frame log cannot take the answer: the log file became a directory meanwhile.
    log = tmp_path / "frames.log"
    domain = sandbox_domain()
    key = f"fault:{domain.name}:oserror"

    def break_the_log() -> None:
        log.unlink()
        log.mkdir()

    on_command("regflow", "domain:transfer:request", break_the_log)
    gateway = RegistryGateway.from_settings({**registry_settings, "FRAME_LOG": str(log)})
    try:
        with pytest.raises(IsADirectoryError):
            gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    finally:
        log.rmdir()  # so that the logout can be logged
        gateway.close()
    row = request_row(key)
    assert row.outcome == Outcome.UNKNOWN and "IsADirectoryError" in row.message
    assert len(sandbox.store.transfers(domain.name)) == 1


def test_a_worker_stopped_while_waiting_for_the_answer_leaves_the_row_unknown(
    registry_gateway, sandbox, sandbox_domain, on_command, stopped_by_signal
):
    domain = sandbox_domain()
    key = f"fault:{domain.name}:stopped-after"
    registry_gateway.domain_check(domain.name)  # logged in before the command
    on_command("regflow", "domain:transfer:request", stopped_by_signal)
    with pytest.raises(SystemExit):
        registry_gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    row = request_row(key)
    assert row.outcome == Outcome.UNKNOWN and "SystemExit" in row.message
    assert len(sandbox.store.transfers(domain.name)) == 1

    # Tried again: found at the registry, not sent a second time.
    requests = sandbox.commands_handled[("regflow", "domain:transfer:request")]
    again = registry_gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    assert again.replayed and request_row(key).outcome == Outcome.SUCCESS
    assert sandbox.commands_handled[("regflow", "domain:transfer:request")] == requests


def test_a_worker_stopped_before_the_frame_left_leaves_the_row_failed(
    registry_settings, sandbox, sandbox_domain, on_command, stopped_by_signal
):
    domain = sandbox_domain()
    key = f"fault:{domain.name}:stopped-before"
    requests = sandbox.commands_handled[("regflow", "domain:transfer:request")]
    on_command("regflow", "login", stopped_by_signal)
    with RegistryGateway.from_settings() as gateway, pytest.raises(SystemExit):
        gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    row = request_row(key)
    assert row.outcome == Outcome.FAILED and "SystemExit" in row.message
    assert sandbox.commands_handled[("regflow", "domain:transfer:request")] == requests
    assert sandbox.store.transfers(domain.name) == []

    with RegistryGateway.from_settings() as gateway:
        sent = gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    assert not sent.replayed and sent.response.code == 1001
    assert request_row(key).outcome == Outcome.SUCCESS and request_row(key).attempts == 2


@pytest.mark.parametrize("no_history", [2002, 2301])
def test_a_request_lost_before_the_registry_executed_it_is_sent_again(
    no_history, registry_gateway, sandbox, sandbox_domain
):
    domain = sandbox_domain()
    key = f"fault:{domain.name}:dropped"
    sandbox.store.answer_no_transfer_history(no_history)
    try:
        sandbox.drop_next_command("regflow", "domain:transfer:request")
        with pytest.raises(CommandOutcomeUnknown):
            registry_gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
        assert request_row(key).outcome == Outcome.UNKNOWN
        assert sandbox.store.transfers(domain.name) == []

        retried = registry_gateway.transfer_request(domain.name, domain.authinfo, idempotency_key=key)
    finally:
        sandbox.store.answer_no_transfer_history(None)
    # The look-up found no transfer at all, so the request went again, under the same clTRID.
    probe = RegistryCommand.objects.get(command="domain:transfer:query", object_name=domain.name)
    assert probe.result_code == no_history
    assert not retried.replayed and retried.response.code == 1001
    assert retried.response.trid.client == request_row(key).cl_trid
    assert request_row(key).outcome == Outcome.SUCCESS and request_row(key).attempts == 2
    assert [t.status for t in sandbox.store.transfers(domain.name)] == ["pending"]
