"""Outgoing transfers: the code we issue, the lock, and the other registrar's request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from domains.models import AuthInfoCode
from domains.services import issue_authinfo, set_transfer_lock
from registry.epp import StatusProhibitsOperation
from registry.models import Domain
from transfers.models import RejectionReason, State, Transfer
from transfers.services import (
    approve_outgoing,
    reject_outgoing,
)
from workflows import sealing
from workflows.errors import Refused
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

from .helpers import process_registry, wait_state


def requested_away(world, jobs, customer, domain, epp_client) -> Transfer:
    code = issue_authinfo(domain=domain, actor=customer, channel=Channel.WEB)
    epp_client("webpartner").transfer_request(domain.name, code)
    process_registry(jobs, until=lambda: Transfer.objects.filter(domain_name=domain.name).exists())
    return Transfer.objects.get(domain_name=domain.name)


def test_issued_code_is_strong_set_at_the_registry_shown_once_and_not_kept(
    transfer_world, customer_a, customer_b, registrant_a
):
    domain = transfer_world.outgoing_domain(registrant_a, tld="pl")  # set at NASK, over HTTPS
    with pytest.raises(Refused):
        issue_authinfo(domain=domain, actor=customer_b, channel=Channel.WEB)
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    assert len(code) == sealing.AUTHINFO_LENGTH and set(code) <= set(sealing.AUTHINFO_ALPHABET)
    assert sealing.AUTHINFO_LENGTH * __import__("math").log2(len(sealing.AUTHINFO_ALPHABET)) >= 128
    assert transfer_world.sandbox.store.authinfo_matches(domain.name, code)
    issued = AuthInfoCode.objects.get()
    assert issued.code_digest != code and code not in issued.code_digest
    assert issued.expires_at - issued.issued_at == timedelta(days=30)
    [message] = [m for m in mail.outbox if code in m.body]
    assert message.to == [registrant_a.email]
    event = HistoryEvent.objects.get(event_type=EventType.AUTHINFO_ISSUED)
    assert code not in event.summary and code not in str(event.data)

    # a .com code lives 14 days; a second code replaces the first
    com = transfer_world.outgoing_domain(registrant_a, tld="com")
    issue_authinfo(domain=com, actor=customer_a, channel=Channel.WEB)
    assert AuthInfoCode.objects.get(domain=com).expires_at - AuthInfoCode.objects.get(
        domain=com
    ).issued_at == timedelta(days=14)
    issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    assert AuthInfoCode.objects.get(pk=issued.pk).reset_reason == AuthInfoCode.ResetReason.REPLACED


@pytest.mark.parametrize("tld", ["eu", "pl"])
def test_an_expired_code_is_reset_at_the_registry(transfer_world, customer_a, registrant_a, tld):
    domain = transfer_world.outgoing_domain(registrant_a, tld=tld)
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    process_registry()
    assert AuthInfoCode.objects.get().reset_at is None
    AuthInfoCode.objects.update(expires_at=AuthInfoCode.objects.get().expires_at - timedelta(days=41))
    process_registry()
    issued = AuthInfoCode.objects.get()
    assert issued.reset_reason == AuthInfoCode.ResetReason.EXPIRED
    assert not transfer_world.sandbox.store.authinfo_matches(domain.name, code)
    if tld == "eu":
        # Unset the way RFC 9154 says (<domain:null/>), not replaced by another code.
        assert transfer_world.sandbox.store.domain(domain.name).authinfo_hash is None
    else:
        # NASK has no <domain:null/>: a code nobody was told takes its place
        assert transfer_world.sandbox.store.domain(domain.name).authinfo_hash is not None


def test_lock_and_unlock(transfer_world, customer_a, registrant_a, epp_client):
    domain = transfer_world.outgoing_domain(registrant_a)
    code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    set_transfer_lock(domain=domain, locked=True, actor=customer_a, channel=Channel.WEB)
    assert "clientTransferProhibited" in transfer_world.sandbox.store.domain(domain.name).statuses
    assert "clientTransferProhibited" in Domain.objects.get(pk=domain.pk).statuses
    with pytest.raises(StatusProhibitsOperation):
        epp_client("webpartner").transfer_request(domain.name, code)
    set_transfer_lock(domain=domain, locked=False, actor=customer_a, channel=Channel.WEB)
    assert "clientTransferProhibited" not in transfer_world.sandbox.store.domain(domain.name).statuses
    assert HistoryEvent.objects.filter(event_type=EventType.DOMAIN_TRANSFER_LOCK).count() == 2


def test_the_registrant_approves_at_once(transfer_world, transfer_jobs, customer_a, registrant_a, epp_client):
    domain = transfer_world.outgoing_domain(registrant_a)
    transfer = requested_away(transfer_world, transfer_jobs, customer_a, domain, epp_client)
    assert transfer.direction == "outgoing" and transfer.state == State.PENDING
    assert transfer.account == customer_a and transfer.other_registrar.client_id == "webpartner"
    assert any(
        "webpartner" in m.body.lower() or "WebPartner" in m.body
        for m in mail.outbox
        if customer_a.email in m.to
    )
    assert transfer.can_decide(customer_a)

    approve_outgoing(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    transfer = wait_state(transfer_jobs, transfer, State.COMPLETED)
    domain.refresh_from_db()
    assert domain.sponsor.client_id == "webpartner"
    assert not Domain.objects.held_by_us().filter(pk=domain.pk).exists()
    assert AuthInfoCode.objects.get(domain=domain).reset_reason == AuthInfoCode.ResetReason.TRANSFERRED
    assert HistoryEvent.objects.filter(
        event_type=EventType.DOMAIN_UPDATED, subject_id=str(domain.pk)
    ).exists()
    # the poll messages that follow change nothing
    process_registry()
    assert Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED


def test_staff_reject_only_with_a_catalogued_reason(
    transfer_world, transfer_jobs, customer_a, registrant_a, epp_client, staff_user
):
    domain = transfer_world.outgoing_domain(registrant_a)
    transfer = requested_away(transfer_world, transfer_jobs, customer_a, domain, epp_client)
    staff = staff_user(Team.DOMAINS)
    with pytest.raises(Refused, match="domains team"):
        reject_outgoing(
            transfer=transfer, reason_code="fraud", explanation="x", actor=customer_a, channel=Channel.WEB
        )
    with pytest.raises(Refused):
        reject_outgoing(
            transfer=transfer,
            reason_code=RejectionReason.UNPAID,
            explanation="not in .pl catalogue",
            actor=staff,
            channel=Channel.PHONE,
        )
    with pytest.raises(Refused):
        reject_outgoing(
            transfer=transfer, reason_code="because", explanation="x", actor=staff, channel=Channel.WEB
        )
    reject_outgoing(
        transfer=transfer,
        reason_code=RejectionReason.FRAUD,
        explanation="Stolen account, police report 12/2026",
        actor=staff,
        channel=Channel.WEB,
    )
    transfer = wait_state(transfer_jobs, transfer, State.REJECTED)
    assert transfer.rejection_reason == "fraud"
    assert transfer_world.sandbox.store.transfers(domain.name)[-1].status == "clientRejected"
    assert Domain.objects.get(pk=domain.pk).sponsor == transfer_world.us


def test_the_registry_approves_when_nobody_acts(
    transfer_world, transfer_jobs, customer_a, registrant_a, epp_client, sandbox_clock
):
    domain = transfer_world.outgoing_domain(registrant_a)
    transfer = requested_away(transfer_world, transfer_jobs, customer_a, domain, epp_client)
    sandbox_clock.advance_clock(timedelta(days=5, hours=1))
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    transfer.refresh_from_db()
    assert transfer.state == State.COMPLETED and transfer.registry_status == "serverApproved"
    assert Domain.objects.get(pk=domain.pk).sponsor.client_id == "webpartner"
    assert [
        e.changes["state"]
        for e in HistoryEvent.objects.for_object(transfer).filter(event_type=EventType.TRANSFER_STATE_CHANGED)
    ] == [[None, "pending"], ["pending", "completed"]]
