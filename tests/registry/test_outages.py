"""The registry closed to us, or failing on its side: a customer's request waits and goes
through once the registry works again; it never fails for it, and its code is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from registry.epp.results import CommandFailed, LoginRefused, RegistryUnavailable
from registry.messages import message_for
from registry.models import RegistryCommand
from transfers.models import State, Transfer
from transfers.services import confirm_transfer, start_incoming_transfer
from workflows.models import Channel, EventType, HistoryEvent

from ..transfers.helpers import confirmation_token, process_registry


def started(customer, registrant, remote) -> Transfer:
    return start_incoming_transfer(
        account=customer,
        domain_name=remote.name,
        authinfo=remote.authinfo,
        registrant=registrant,
        actor=customer,
        channel=Channel.WEB,
    )


def waiting(jobs, transfer: Transfer) -> Transfer:
    jobs.wait_for(lambda: Transfer.objects.get(pk=transfer.pk).registry_tries >= 1)
    transfer.refresh_from_db()
    return transfer


@pytest.mark.parametrize("code", [2200, 2501, 2502])
def test_refused_logins_keep_the_request_waiting_until_the_registry_lets_us_in(
    code, transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, time_passes
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = started(customer_a, registrant_a, remote)
    transfer_world.sandbox.store.refuse_logins(transfer_world.client_id, code)
    # The session the pool keeps from the first step ends too, as at a registry that shuts us out.
    transfer_world.sandbox.drop_sessions()
    try:
        confirm_transfer(token=confirmation_token())
        transfer = waiting(transfer_jobs, transfer)
        # Waiting, not failed: the code is kept and the customer was told nothing went wrong.
        assert transfer.state == State.SUBMITTING and transfer.waiting_for_registry
        assert transfer.authinfo_sealed
        assert not [m for m in mail.outbox if "nie powiódł" in m.subject.lower()]
        assert (
            not RegistryCommand.objects.filter(command="domain:transfer:request")
            .exclude(outcome="failed")
            .exists()
        )
        assert HistoryEvent.objects.filter(
            event_type=EventType.TRANSFER_REGISTRY_DELAYED, subject_id=str(transfer.pk)
        ).exists()
    finally:
        transfer_world.sandbox.store.refuse_logins(transfer_world.client_id, None)
    time_passes(timedelta(minutes=15))
    process_registry(transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.PENDING)
    assert len(transfer_world.sandbox.store.transfers(remote.name)) == 1


def test_a_2400_from_the_registry_is_tried_again(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, time_passes
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = started(customer_a, registrant_a, remote)
    transfer_world.sandbox.store.fail_next(transfer_world.client_id, "domain:transfer:request")
    confirm_transfer(token=confirmation_token())
    transfer = waiting(transfer_jobs, transfer)
    assert transfer.state == State.SUBMITTING and transfer.authinfo_sealed
    first = RegistryCommand.objects.get(command="domain:transfer:request")
    assert first.result_code == 2400 and first.outcome == "failed"
    time_passes(timedelta(minutes=15))
    process_registry(transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.PENDING)
    # The same command row, sent again under its idempotency key, and one transfer at the registry.
    assert RegistryCommand.objects.get(command="domain:transfer:request").outcome == "success"
    assert len(transfer_world.sandbox.store.transfers(remote.name)) == 1


def test_what_people_are_told() -> None:
    with translation.override("en"):
        assert "not eligible for transfer" in str(message_for(2106))
        assert "already with us" not in str(message_for(2106))
        assert "keep your request" in str(message_for(LoginRefused("login refused (2502)", code=2502)))
    with translation.override("pl"):
        assert "nie można teraz przenieść" in str(message_for(2106))
    # A 2400 waits and is tried again, as an outage does.
    assert issubclass(CommandFailed, RegistryUnavailable)
