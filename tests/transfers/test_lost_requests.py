"""A transfer request that never reached the registry's books, though we could not know it
(the connection closed before the registry executed it), is looked for, found absent and
sent again; the periodic look at a pending transfer takes a registry's "no transfer history"
(2002, as Nomulus answers) as it takes a 2301."""

from __future__ import annotations

from datetime import timedelta

from registry.models import RegistryCommand
from transfers.models import State, Transfer
from transfers.services import confirm_transfer, reconcile_transfer, start_incoming_transfer
from workflows.cases import now
from workflows.models import Channel

from .helpers import confirmation_token, process_registry, wait_state


def test_a_request_dropped_before_the_registry_executed_it_is_sent_again_and_goes_through(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, time_passes
):
    sandbox = transfer_world.sandbox
    remote = sandbox_domain(sponsor="nordhost")
    transfer = start_incoming_transfer(
        account=customer_a,
        domain_name=remote.name,
        authinfo=remote.authinfo,
        registrant=registrant_a,
        actor=customer_a,
        channel=Channel.WEB,
    )
    sandbox.drop_next_command(transfer_world.client_id, "domain:transfer:request")
    confirm_transfer(token=confirmation_token())
    transfer_jobs.wait_for(lambda: Transfer.objects.get(pk=transfer.pk).registry_tries >= 1)
    request = RegistryCommand.objects.get(command="domain:transfer:request")
    assert request.outcome == RegistryCommand.Outcome.UNKNOWN
    assert Transfer.objects.get(pk=transfer.pk).state == State.SUBMITTING
    assert sandbox.store.transfers(remote.name) == []  # the registry never executed it

    time_passes(timedelta(minutes=15))
    process_registry(transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.PENDING)

    # Looked for first (2002: no transfer history), then sent again under the same row.
    probe = RegistryCommand.objects.get(command="domain:transfer:query", object_name=remote.name)
    assert probe.result_code == 2002
    request.refresh_from_db()
    assert request.outcome == RegistryCommand.Outcome.SUCCESS and request.attempts == 2
    assert [t.status for t in sandbox.store.transfers(remote.name)] == ["pending"]
    assert RegistryCommand.objects.filter(command="domain:transfer:request").count() == 1


def test_the_periodic_look_takes_no_transfer_history_as_no_transfer(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain
):
    sandbox = transfer_world.sandbox
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
    # The registry lost every trace of the transfer (behind our back): a transfer query of the
    # domain is now answered 2002.
    with sandbox.store.transaction() as db:
        db.execute("DELETE FROM transfer WHERE domain = ?", (remote.name,))
        db.execute("UPDATE domain SET statuses = '[]' WHERE name = ?", (remote.name,))

    before = now()
    assert reconcile_transfer(transfer.pk) == "unknown"

    transfer.refresh_from_db()
    assert transfer.state == State.PENDING and transfer.next_check_at > before
    queries = RegistryCommand.objects.filter(command="domain:transfer:query", object_name=remote.name)
    assert queries.latest("pk").result_code == 2002
