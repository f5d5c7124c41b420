"""Transfers of .pl domains, end to end against the sandbox's NASK over HTTPS: NASK's own
e-mail to the registrant completes an incoming transfer, the customer sees what NASK waits for
and can have its e-mail sent again, a request NASK lets lapse expires, the code goes with our
cancel; a domain leaving us is learned from NASK's poll message and is nobody's to approve
or reject; NASK's other notices change what they say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from domains.models import AuthInfoCode
from domains.services import issue_authinfo
from registry.models import Domain, RegistryCommand
from transfers.models import State, Transfer
from transfers.services import (
    approve_outgoing,
    ask_registry_to_resend,
    cancel_transfer,
    confirm_transfer,
    start_incoming_transfer,
)
from workflows import sealing
from workflows.errors import Refused
from workflows.flowsync import process_of
from workflows.models import Channel, HistoryEvent

from .helpers import confirmation_token, nask_confirmation, process_registry, wait_state


def start(customer, registrant, domain, authinfo=None) -> Transfer:
    return start_incoming_transfer(
        account=customer,
        domain_name=domain.name,
        authinfo=domain.authinfo if authinfo is None else authinfo,
        registrant=registrant,
        actor=customer,
        channel=Channel.WEB,
    )


def at_nask(transfer_jobs, customer, registrant, domain) -> Transfer:
    transfer = start(customer, registrant, domain)
    confirm_transfer(token=confirmation_token("jan.kowalski@example.pl"))
    return wait_state(transfer_jobs, transfer, State.PENDING)


@pytest.fixture
def pl_domain(sandbox_domain):
    def make(**options):
        return sandbox_domain(tld="pl", **{"sponsor": "nordhost", **options})

    return make


def test_an_incoming_pl_transfer_completes_when_the_registrant_answers_nask(
    transfer_world, transfer_jobs, customer_a, registrant_a, pl_domain, client_for
):
    remote = pl_domain()
    transfer = at_nask(transfer_jobs, customer_a, registrant_a, remote)
    door = transfer_world.sandbox_https
    # NASK wants the code with every transfer operation: it is kept sealed until the end
    assert transfer.authinfo_sealed and sealing.unseal(transfer.authinfo_sealed) == remote.authinfo
    request = RegistryCommand.objects.get(object_name=remote.name, command="domain:transfer:request")
    assert request.registrar_client_id == transfer_world.client_id and request.outcome == "success"
    assert transfer.action_date - transfer.requested_at > timedelta(days=29)  # NASK's 30 days

    page = client_for(customer_a).get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "Rejestr (NASK) wysłał abonentowi domeny e-mail z linkiem potwierdzającym" in page
    assert "Poproś rejestr o ponowne wysłanie potwierdzenia" in page
    assert "Niepotwierdzona prośba wygaśnie" in page

    first = nask_confirmation(door, remote.name)
    ask_registry_to_resend(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    process_registry(transfer_jobs, until=lambda: nask_confirmation(door, remote.name) != first)
    resent = HistoryEvent.objects.for_object(transfer).filter(summary__contains="ponownie wysłał")
    assert resent.exists()

    door.registry.confirm_transfer(*nask_confirmation(door, remote.name))
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    transfer.refresh_from_db()
    assert transfer.registry_status == "clientApproved" and transfer.authinfo_sealed == ""
    assert Domain.objects.get(name=remote.name).sponsor == transfer_world.us


def test_a_wrong_code_for_a_pl_domain_is_refused_before_anything_is_asked(
    transfer_world, customer_a, registrant_a, pl_domain
):
    remote = pl_domain()
    with pytest.raises(Refused):
        start(customer_a, registrant_a, remote, authinfo="Wrong-Code-123")
    with pytest.raises(Refused, match="6 to 64"):
        start(customer_a, registrant_a, remote, authinfo="Krotk")
    assert not Transfer.objects.filter(domain_name=remote.name).exists()
    assert not transfer_world.sandbox.store.transfers(remote.name)


def test_a_pl_request_nobody_confirms_expires(
    transfer_world, transfer_jobs, customer_a, registrant_a, pl_domain, sandbox_clock
):
    remote = pl_domain()
    transfer = at_nask(transfer_jobs, customer_a, registrant_a, remote)
    sandbox_clock.advance_clock(timedelta(days=30, hours=1))
    process_registry(transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.EXPIRED)
    transfer.refresh_from_db()
    assert transfer.registry_status == "serverCancelled" and transfer.authinfo_sealed == ""
    assert "in time" in transfer.outcome_reason
    assert Domain.objects.filter(name=remote.name, sponsor=transfer_world.us).count() == 0


def test_a_pl_request_is_cancelled_at_nask_with_its_code(
    transfer_world, transfer_jobs, customer_a, registrant_a, pl_domain
):
    remote = pl_domain()
    transfer = at_nask(transfer_jobs, customer_a, registrant_a, remote)
    cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    transfer = wait_state(transfer_jobs, transfer, State.CANCELLED)
    assert transfer_world.sandbox.store.transfers(remote.name)[-1].status == "clientCancelled"
    assert transfer.authinfo_sealed == ""
    with pytest.raises(Refused):
        ask_registry_to_resend(transfer=transfer, actor=customer_a, channel=Channel.WEB)


def test_an_outgoing_pl_transfer_is_learned_from_nasks_message_and_left_to_the_registrant(
    transfer_world, transfer_jobs, customer_a, registrant_a, epp_https_client, client_for, staff_user
):
    from workflows.roles import Team

    domain = transfer_world.outgoing_domain(registrant_a, tld="pl")
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    epp_https_client("webpartner").transfer_request(domain.name, code)
    process_registry(transfer_jobs, until=lambda: Transfer.objects.filter(domain_name=domain.name).exists())
    transfer = Transfer.objects.get(domain_name=domain.name)
    assert transfer.direction == "outgoing" and transfer.state == State.PENDING
    assert transfer.other_registrar.client_id == "webpartner"
    # NASK asks the registrant; neither the registrant here nor our staff can approve or reject
    assert not transfer.can_decide(customer_a)
    with pytest.raises(Refused, match="neither approve nor reject"):
        approve_outgoing(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    page = client_for(customer_a).get(reverse("transfers:detail", args=[transfer.pk])).content.decode()
    assert "Zatwierdź transfer teraz" not in page and "NASK wysłał abonentowi" in page
    staff_page = client_for(staff_user(Team.DOMAINS)).get(reverse("transfers:detail", args=[transfer.pk]))
    assert 'id="reject-title"' not in staff_page.content.decode()
    # no staff task waits for a decision nobody can take
    process = process_of(transfer)
    assert not process.task_set.filter(flow_task__contains="staff_check").exists()

    door = transfer_world.sandbox_https
    door.registry.confirm_transfer(*nask_confirmation(door, domain.name))
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    assert Domain.objects.get(name=domain.name).sponsor.client_id == "webpartner"


def test_nasks_expiry_and_code_notices_change_what_they_say(
    transfer_world, transfer_jobs, customer_a, registrant_a
):
    domain = transfer_world.outgoing_domain(registrant_a, tld="pl")
    issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    store = transfer_world.sandbox_https.store
    store.queue_notice(
        transfer_world.client_id,
        "soon domain expiration",
        {"kind": "expData", "names": [domain.name, "cudza.pl"], "expires_at": "2027-06-30T22:00:00.000Z"},
    )
    store.queue_notice(
        transfer_world.client_id,
        "domain authInfo",
        {"kind": "pollAuthInfo", "name": domain.name, "authinfo": "Code-Set-By-NASK-0001"},
    )
    us = transfer_world.client_id
    process_registry(transfer_jobs, until=lambda: not store.pending_messages(us, "nask"))
    domain.refresh_from_db()
    assert domain.expires_at.isoformat().startswith("2027-06-30T22:00")
    noted = HistoryEvent.objects.filter(domain_name=domain.name, summary__contains="wygasa 2027-06-30")
    assert noted.exists()
    issued = AuthInfoCode.objects.get(domain=domain)
    assert issued.reset_reason == AuthInfoCode.ResetReason.REPLACED
    # the code NASK sent is kept nowhere
    assert not HistoryEvent.objects.filter(data__icontains="Code-Set-By-NASK").exists()
    assert not HistoryEvent.objects.filter(summary__contains="Code-Set-By-NASK").exists()


def test_a_cancel_whose_code_cannot_be_read_is_not_sent_and_says_so(
    transfer_world, transfer_jobs, customer_a, registrant_a, pl_domain
):
    remote = pl_domain()
    transfer = at_nask(transfer_jobs, customer_a, registrant_a, remote)
    Transfer.objects.filter(pk=transfer.pk).update(authinfo_sealed="not-a-sealed-value")
    cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    process_registry(
        transfer_jobs,
        until=lambda: HistoryEvent.objects.for_object(transfer).filter(summary__contains="odczytać").exists(),
    )
    transfer.refresh_from_db()
    assert transfer.state == State.PENDING and transfer.registry_error
    assert not RegistryCommand.objects.filter(
        object_name=remote.name, command="domain:transfer:cancel"
    ).exists()
    assert transfer_world.sandbox.store.transfers(remote.name)[-1].status == "pending"
