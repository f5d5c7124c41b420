"""Twenty people acting on one transfer at the same moment: one wins, the rest hear who did.

Run on whatever database the suite runs on: PostgreSQL's row locks decide the race there;
SQLite serialises writers, and the same assertions hold.
"""

from __future__ import annotations

from domains.services import issue_authinfo
from registry.models import RegistryCommand
from tests.steps import race
from transfers.models import State, Transfer
from transfers.services import (
    approve_outgoing,
    cancel_transfer,
    confirm_transfer,
    reject_outgoing,
    start_incoming_transfer,
)
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

from .helpers import confirmation_token, process_registry, wait_state

THREADS = 20


def decisions(transfer: Transfer):
    return HistoryEvent.objects.for_object(transfer).filter(
        event_type=EventType.TRANSFER_STATE_CHANGED, changes__state__0="pending"
    )


def test_twenty_approve_and_reject_calls_on_one_outgoing_transfer(
    transfer_world, transfer_jobs, customer_a, registrant_a, staff_user, epp_client
):
    domain = transfer_world.outgoing_domain(registrant_a)
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    epp_client("webpartner").transfer_request(domain.name, code)
    process_registry()
    transfer = Transfer.objects.get(domain_name=domain.name)
    staff = staff_user(Team.DOMAINS)

    def approve() -> Transfer:
        return approve_outgoing(transfer=transfer, actor=customer_a, channel=Channel.WEB)

    def reject() -> Transfer:
        return reject_outgoing(
            transfer=transfer,
            reason_code="fraud",
            explanation="evidence on file",
            actor=staff,
            channel=Channel.WEB,
        )

    results = race([approve if i % 2 else reject for i in range(THREADS)])

    assert [r for r in results if r[0] == "error"] == []
    winners = [r for r in results if r[0] == "won"]
    assert len(winners) == 1
    conflicts = [r[1] for r in results if r[0] == "conflict"]
    assert len(conflicts) == THREADS - 1 and all("already moved on" in c for c in conflicts)
    final = wait_state(transfer_jobs, transfer, State.COMPLETED, State.REJECTED)
    assert decisions(final).count() == 1
    commands = RegistryCommand.objects.filter(
        object_name=domain.name, command__in=["domain:transfer:approve", "domain:transfer:reject"]
    )
    assert commands.count() <= 1


def test_twenty_cancel_calls_on_one_incoming_transfer(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = start_incoming_transfer(
        account=customer_a,
        domain_name=remote.name,
        authinfo=remote.authinfo,
        registrant=registrant_a,
        actor=customer_a,
        channel=Channel.WEB,
    )
    confirm_transfer(token=confirmation_token())
    transfer = wait_state(transfer_jobs, transfer, State.PENDING)

    results = race(
        [lambda: cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)] * THREADS
    )

    assert [r for r in results if r[0] == "error"] == []
    assert len([r for r in results if r[0] == "won"]) == 1
    assert len([r for r in results if r[0] == "conflict"]) == THREADS - 1
    final = wait_state(transfer_jobs, transfer, State.CANCELLED)
    assert decisions(final).count() == 1
    assert (
        RegistryCommand.objects.filter(object_name=remote.name, command="domain:transfer:cancel").count() <= 1
    )
    assert transfer_world.sandbox.store.transfers(remote.name)[-1].status == "clientCancelled"
