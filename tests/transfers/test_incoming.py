"""Incoming transfers end to end against the sandbox registry over EPP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from registry.models import Domain, RegistrantBasis, RegistryCommand
from transfers.models import AuthInfoAttempt, State, Transfer
from transfers.selectors import timeline
from transfers.services import (
    cancel_transfer,
    confirm_transfer,
    resubmit_authinfo,
    start_incoming_transfer,
)
from workflows.errors import Conflict, Refused
from workflows.flowsync import process_of
from workflows.models import Channel, EventType, HistoryEvent

from .helpers import confirmation_token, process_registry, subjects, wait_state


def start(customer, registrant, domain, authinfo=None, **kwargs) -> Transfer:
    return start_incoming_transfer(
        account=customer,
        domain_name=domain.name,
        authinfo=domain.authinfo if authinfo is None else authinfo,
        registrant=registrant,
        actor=customer,
        channel=Channel.WEB,
        **kwargs,
    )


def pending_transfer(transfer_jobs, customer, registrant, domain) -> Transfer:
    transfer = start(customer, registrant, domain)
    assert transfer.state == State.AWAITING_CONFIRMATION
    confirm_transfer(token=confirmation_token("jan.kowalski@example.pl"))
    return wait_state(transfer_jobs, transfer, State.PENDING)


def state_events(transfer: Transfer):
    return HistoryEvent.objects.for_object(transfer).filter(event_type=EventType.TRANSFER_STATE_CHANGED)


def test_completed_when_the_losing_registrar_approves(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, epp_client
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = start(customer_a, registrant_a, remote)
    # the registrant's address comes from the registry, read with the domain's authInfo
    assert transfer.confirmation_email == "jan.kowalski@example.pl"
    assert transfer.confirmation_email_source == "registry"
    assert transfer.policy.tld.name == "eu" and transfer.other_registrar.client_id == "nordhost"
    assert not RegistryCommand.objects.filter(command="domain:transfer:request").exists()

    confirm_transfer(token=confirmation_token("jan.kowalski@example.pl"))
    transfer = wait_state(transfer_jobs, transfer, State.PENDING)
    assert transfer.authinfo_sealed == "" and transfer.requested_at and transfer.action_date
    assert transfer_world.sandbox.store.domain(remote.name).statuses == ("pendingTransfer",)

    epp_client("nordhost").transfer_approve(remote.name)
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    transfer.refresh_from_db()
    assert transfer.state == State.COMPLETED and transfer.registry_status == "clientApproved"
    # A transfer never changes the registrant: the domain is held by the registry's contact
    # (N-OGRODNIK), not by the profile the customer named, until its registrant confirms.
    transfer_jobs.wait_for(
        lambda: Domain.objects.get(name=remote.name).registrant_basis != RegistrantBasis.READING
    )
    domain = Domain.objects.get(name=remote.name)
    assert domain.sponsor == transfer_world.us and domain.registrant != registrant_a
    assert domain.registrant.registry_handle == "N-OGRODNIK" and domain.registrant.from_registry
    assert domain.registrant.account == customer_a and domain.registrant.email == "jan.kowalski@example.pl"
    assert domain.registrant_basis == RegistrantBasis.UNCONFIRMED and not domain.registrant_is_verified
    assert Domain.objects.of_account(customer_a).held_by_us().filter(pk=domain.pk).exists()
    # The code the customer brought is unset by us (RFC 9154), not left to the registry.
    transfer_jobs.wait_for(lambda: transfer_world.sandbox.store.domain(remote.name).authinfo_hash is None)
    assert not transfer_world.sandbox.store.authinfo_matches(remote.name, remote.authinfo)
    assert [e.changes["state"][1] for e in state_events(transfer)] == [
        "awaiting_confirmation",
        "submitting",
        "pending",
        "completed",
    ]
    process = process_of(transfer)
    assert process is not None and process.finished is not None
    assert any("jest już u nas" in s for s in subjects(customer_a.email))
    # The registry's message is the auditor's; the customer reads the step it led to.
    kinds = [entry.event_type for entry in timeline(transfer)]
    assert EventType.REGISTRY_POLL in kinds
    customer_kinds = [entry.event_type for entry in timeline(transfer, for_customer=True)]
    assert EventType.REGISTRY_POLL not in customer_kinds
    assert customer_kinds.count(EventType.TRANSFER_STATE_CHANGED) == 4


def test_completed_by_the_registry_when_the_window_closes(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, sandbox_clock
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = pending_transfer(transfer_jobs, customer_a, registrant_a, remote)
    sandbox_clock.advance_clock(timedelta(days=5, hours=1))
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    transfer.refresh_from_db()
    assert transfer.state == State.COMPLETED and transfer.registry_status == "serverApproved"
    assert Domain.objects.get(name=remote.name).sponsor == transfer_world.us


def test_rejected_by_the_losing_registrar_says_what_to_do_next(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, epp_client
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = pending_transfer(transfer_jobs, customer_a, registrant_a, remote)
    epp_client("nordhost").transfer_reject(remote.name)
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.REJECTED
    )
    transfer.refresh_from_db()
    assert transfer.state == State.REJECTED and transfer.outcome_reason
    [rejected] = [m for m in mail.outbox if "odrzucony" in m.subject]
    assert "Co dalej" in rejected.body
    assert not Domain.objects.filter(name=remote.name, sponsor=transfer_world.us).exists()


def test_cancelled_before_the_registry_and_while_pending(
    transfer_world, transfer_jobs, customer_a, customer_b, registrant_a, sandbox_domain
):
    early = sandbox_domain(sponsor="nordhost")
    transfer = start(customer_a, registrant_a, early)
    with pytest.raises(Refused):
        cancel_transfer(transfer=transfer, actor=customer_b, channel=Channel.WEB)
    cancelled = cancel_transfer(
        transfer=transfer, actor=customer_a, channel=Channel.WEB, reason="changed my mind"
    )
    assert cancelled.state == State.CANCELLED and cancelled.authinfo_sealed == ""
    assert not RegistryCommand.objects.filter(
        object_name=early.name, command__startswith="domain:transfer"
    ).exists()
    with pytest.raises(Refused, match="not valid|expired|already"):
        confirm_transfer(token=confirmation_token())

    late = sandbox_domain(sponsor="nordhost")
    transfer = pending_transfer(transfer_jobs, customer_a, registrant_a, late)
    cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)
    transfer = wait_state(transfer_jobs, transfer, State.CANCELLED)
    assert transfer_world.sandbox.store.transfers(late.name)[-1].status == "clientCancelled"
    with pytest.raises(Conflict, match="already moved on"):
        cancel_transfer(transfer=transfer, actor=customer_a, channel=Channel.WEB)


def test_an_unconfirmed_request_expires_with_its_link(
    transfer_world, customer_a, registrant_a, sandbox_domain, time_passes
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = start(customer_a, registrant_a, remote)
    token = confirmation_token()
    process_registry()
    assert Transfer.objects.get(pk=transfer.pk).state == State.AWAITING_CONFIRMATION
    time_passes(transfer.policy.confirmation_validity + timedelta(minutes=1))
    process_registry()
    transfer.refresh_from_db()
    assert transfer.state == State.EXPIRED and transfer.authinfo_sealed == ""
    with pytest.raises(Conflict):
        confirm_transfer(token=token)
    assert not RegistryCommand.objects.filter(command="domain:transfer:request").exists()
    assert any("wygasło" in s for s in subjects(customer_a.email))
    assert process_of(transfer).finished is not None


def test_a_wrong_code_then_the_right_one(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, epp_client
):
    remote = sandbox_domain(sponsor="nordhost")
    with pytest.raises(Refused, match="authinfo"):
        start(customer_a, registrant_a, remote, authinfo="Wrong-code-123")
    assert AuthInfoAttempt.objects.get().outcome == AuthInfoAttempt.Outcome.WRONG
    assert not Transfer.objects.exists()

    transfer = start(customer_a, registrant_a, remote)
    # the losing registrar changes the code before the request goes out
    epp_client("nordhost").domain_update(remote.name, authinfo="Brand-new-code-456")
    confirm_transfer(token=confirmation_token())
    transfer = wait_state(transfer_jobs, transfer, State.AUTHINFO_INVALID)
    assert transfer.authinfo_sealed == ""
    with pytest.raises(Refused, match="already refused"):
        resubmit_authinfo(transfer=transfer, authinfo=remote.authinfo, actor=customer_a, channel=Channel.WEB)

    resubmit_authinfo(transfer=transfer, authinfo="Brand-new-code-456", actor=customer_a, channel=Channel.WEB)
    transfer = wait_state(transfer_jobs, transfer, State.PENDING)
    assert transfer.attempts == 2
    requests = RegistryCommand.objects.filter(command="domain:transfer:request", object_name=remote.name)
    assert sorted(r.idempotency_key for r in requests) == [
        f"transfer:{transfer.pk}:request:1",
        f"transfer:{transfer.pk}:request:2",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"statuses": ("clientTransferProhibited",)}, "locked against transfers"),
        ({"statuses": ("serverTransferProhibited",)}, "locked against transfers"),
        ({"statuses": ("pendingDelete",)}, "being deleted"),
        ({"tld": "pl", "created_days_ago": 2}, "within 5 days of its registration"),
        (
            {"tld": "pl", "created_days_ago": 400, "transferred_days_ago": 3},
            "within 5 days of its last transfer",
        ),
        ({"tld": "com", "created_days_ago": 30}, "within 60 days of its registration"),
        ({"expires_in_days": -1}, "has expired"),
    ],
)
def test_refused_in_plain_words_before_the_registry_hears_of_it(
    transfer_world, customer_a, registrant_a, sandbox_domain, options, message
):
    remote = sandbox_domain(sponsor="nordhost", **options)
    with pytest.raises(Refused, match=message):
        start(customer_a, registrant_a, remote)
    assert not Transfer.objects.exists()
    assert not RegistryCommand.objects.filter(command="domain:transfer:request").exists()


def test_other_refusals(transfer_world, customer_a, registrant_a, sandbox_domain):
    ours = sandbox_domain(sponsor=transfer_world.client_id)
    with pytest.raises(Refused, match="already with us"):
        start(customer_a, registrant_a, ours)
    for name, message in [
        ("nie ma.pl", "spac"),
        ("example.xyz", "do not offer"),
        ("brak-takiej-7q.pl", "no domain"),
    ]:
        with pytest.raises(Refused, match=message):
            start_incoming_transfer(
                account=customer_a,
                domain_name=name,
                authinfo="Abc-12345",
                actor=customer_a,
                channel=Channel.WEB,
            )
    remote = sandbox_domain(sponsor="nordhost")
    start(customer_a, registrant_a, remote)
    with pytest.raises(Refused, match="already open"):
        start(customer_a, registrant_a, remote)


def test_registry_down_in_the_middle_of_a_request(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, sandbox, time_passes
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = start(customer_a, registrant_a, remote)
    port = sandbox.port
    sandbox.stop()
    try:
        confirm_transfer(token=confirmation_token())
        transfer_jobs.wait_for(lambda: Transfer.objects.get(pk=transfer.pk).registry_tries >= 1)
        transfer.refresh_from_db()
        assert transfer.state == State.SUBMITTING and transfer.waiting_for_registry
        assert transfer.registry_error
        assert transfer.authinfo_sealed  # kept until the registry has answered
    finally:
        sandbox.requested_port = port
        sandbox.start()
    assert (
        HistoryEvent.objects.filter(
            event_type=EventType.TRANSFER_REGISTRY_DELAYED, subject_id=str(transfer.pk)
        ).count()
        == 1
    )
    time_passes(timedelta(minutes=15))
    process_registry(transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.PENDING)
    transfer.refresh_from_db()
    assert (
        transfer.state == State.PENDING
        and not transfer.waiting_for_registry
        and transfer.registry_error == ""
    )
    assert len(transfer_world.sandbox.store.transfers(remote.name)) == 1


def test_the_same_poll_message_delivered_twice_is_applied_once(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, epp_client
):
    from registry.gateway import RegistryGateway
    from transfers.models import PollMessage
    from transfers.poll import acknowledge, receive_and_apply

    remote = sandbox_domain(sponsor="nordhost")
    transfer = pending_transfer(transfer_jobs, customer_a, registrant_a, remote)
    epp_client("nordhost").transfer_approve(remote.name)
    with RegistryGateway.from_settings() as gateway:
        first = receive_and_apply(gateway)
        # the acknowledgement never went out (a crash): the registry delivers it again
        again = receive_and_apply(gateway)
        assert again.pk == first.pk
        acknowledge(gateway, again)
        assert receive_and_apply(gateway) is None
    message = PollMessage.objects.get()
    assert message.deliveries == 2 and message.applied_at and message.acked_at
    transfer.refresh_from_db()
    assert transfer.state == State.COMPLETED
    assert state_events(transfer).filter(changes__state=["pending", "completed"]).count() == 1
    assert (
        HistoryEvent.objects.filter(event_type=EventType.REGISTRY_POLL, data__msg_id=message.msg_id).count()
        == 1
    )
    assert transfer_world.sandbox.store.pending_messages(transfer_world.client_id) == 0


def test_no_request_stays_pending_when_poll_messages_are_lost(
    transfer_world, transfer_jobs, customer_a, registrant_a, sandbox_domain, epp_client, time_passes
):
    remote = sandbox_domain(sponsor="nordhost")
    transfer = pending_transfer(transfer_jobs, customer_a, registrant_a, remote)
    epp_client("nordhost").transfer_approve(remote.name)
    ours = epp_client(transfer_world.client_id, transfer_world.password)
    while (head := ours.poll_request()).msgq is not None:  # someone else took our messages
        ours.poll_ack(head.msgq.id)
    process_registry()
    assert Transfer.objects.get(pk=transfer.pk).state == State.PENDING
    time_passes(transfer.policy.reconcile_after)
    process_registry(
        transfer_jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
    )
    assert Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED
