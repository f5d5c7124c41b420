"""Staff review, e-mail language, the wrong-code limit, policy versions, and what the pages read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone, translation
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from transfers.models import AuthInfoAttempt, State, TransferPolicy
from transfers.selectors import next_step, timeline, transfer_for_user, transfers_for_account
from transfers.services import review_transfer, start_incoming_transfer
from workflows.errors import Refused
from workflows.flowsync import process_of
from workflows.models import Channel
from workflows.roles import Team, team_permission

from .helpers import subjects


def start(customer, domain, registrant=None, authinfo=None):
    return start_incoming_transfer(
        account=customer,
        domain_name=domain.name,
        authinfo=authinfo or domain.authinfo,
        registrant=registrant,
        actor=customer,
        channel=Channel.WEB,
    )


def test_a_flagged_request_goes_to_the_domains_team_first(
    transfer_world, customer_a, registrant_a, sandbox_domain, sandbox_registrar, staff_user
):
    # a domain whose registrant the registry does not show: the link would go to an
    # address the customer chose, so staff look first
    remote = sandbox_domain(sponsor=sandbox_registrar().client_id)
    transfer = start(customer_a, remote, registrant_a)
    assert transfer.state == State.REVIEW and transfer.review_reasons == ["registrant_email_from_customer"]
    assert (
        transfer.confirmation_email == registrant_a.email and transfer.confirmation_email_source == "profile"
    )
    assert not [m for m in mail.outbox if "/transfers/confirm/" in m.body]
    [task] = Task.objects.filter(process=process_of(transfer), flow_task_type="HUMAN")
    assert task.flow_task.name == "review" and task.status == STATUS.NEW
    assert task.flow_task.calc_owner_permission(None) == team_permission("domains")

    with pytest.raises(Refused):
        review_transfer(transfer=transfer, approved=True, note="", actor=customer_a, channel=Channel.WEB)
    staff = staff_user(Team.DOMAINS)
    with pytest.raises(Refused):
        review_transfer(transfer=transfer, approved=False, note="", actor=staff, channel=Channel.WEB)
    review_transfer(
        transfer=transfer, approved=True, note="called the registrant", actor=staff, channel=Channel.PHONE
    )
    transfer.refresh_from_db()
    assert transfer.state == State.AWAITING_CONFIRMATION and transfer.confirmation_deadline
    assert [m for m in mail.outbox if "/transfers/confirm/" in m.body and registrant_a.email in m.to]
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == staff
    assert Task.objects.get(
        process=task.process, flow_task_type="FUNCTION", status=STATUS.NEW
    ).flow_task.name == ("await_confirmation")


def test_refused_after_review(
    transfer_world, customer_a, sandbox_domain, sandbox_registrar, staff_user, settings
):
    remote = sandbox_domain(sponsor="nordhost")
    settings.TRANSFERS_REVIEW_DOMAINS = [remote.name]
    transfer = start(customer_a, remote)
    assert transfer.review_reasons == ["high_value_domain"]
    review_transfer(
        transfer=transfer,
        approved=False,
        note="The registrant denies it",
        actor=staff_user(Team.DOMAINS),
        channel=Channel.WEB,
    )
    transfer.refresh_from_db()
    assert transfer.state == State.REJECTED and transfer.authinfo_sealed == ""
    assert process_of(transfer).finished is not None


def test_mail_in_the_language_the_customer_chose(transfer_world, customer_a, customer_b, sandbox_domain):
    customer_b.language = "en"
    customer_b.save()
    start(customer_a, sandbox_domain(sponsor="nordhost"))
    start(customer_b, sandbox_domain(sponsor="nordhost"))
    assert any(s.startswith("Twoje zlecenie transferu") for s in subjects(customer_a.email))
    assert any(s.startswith("Your transfer request") for s in subjects(customer_b.email))
    confirm_mails = [m for m in mail.outbox if "/transfers/confirm/" in m.body]
    assert {m.subject.split()[0] for m in confirm_mails} == {"Prosimy", "Please"}


def test_wrong_codes_are_limited_per_account_and_domain(
    transfer_world, customer_a, customer_b, sandbox_domain
):
    remote = sandbox_domain(sponsor="nordhost")
    for attempt in range(5):
        with pytest.raises(Refused, match="authinfo"):
            start(customer_a, remote, authinfo=f"Wrong-{attempt}-code")
    # This domain from this account waits, and the message says until when.
    waits = r"wrong transfer codes for this domain in the last hour\. From \w.+ you can try again"
    with pytest.raises(Refused, match=waits):
        start(customer_a, remote)
    assert AuthInfoAttempt.objects.filter(outcome=AuthInfoAttempt.Outcome.WRONG).count() == 5
    # Not the customer's other domains, and not another customer: typos punish nobody else.
    assert start(customer_a, sandbox_domain(sponsor="nordhost")).state == State.AWAITING_CONFIRMATION
    assert start(customer_b, remote).state == State.AWAITING_CONFIRMATION


def test_many_wrong_codes_across_domains_stop_the_account_for_an_hour(
    transfer_world, customer_a, sandbox_domain
):
    from transfers.services.checks import WRONG_CODES_PER_ACCOUNT

    remote = sandbox_domain(sponsor="nordhost")
    AuthInfoAttempt.objects.bulk_create(
        AuthInfoAttempt(
            account=customer_a, domain_name=f"scan-{n}.pl", code_digest=f"{n:064d}", outcome="wrong"
        )
        for n in range(WRONG_CODES_PER_ACCOUNT)
    )
    with pytest.raises(Refused, match=r"from your account in the last hour\. From \w.+ you can try again"):
        start(customer_a, remote)
    AuthInfoAttempt.objects.update(attempted_at=timezone.now() - timedelta(hours=2))
    assert start(customer_a, remote).state == State.AWAITING_CONFIRMATION


def test_a_new_policy_version_applies_to_new_requests_only(transfer_world, customer_a, sandbox_domain):
    first = start(customer_a, sandbox_domain(sponsor="nordhost"))
    v1 = first.policy
    v2 = TransferPolicy.objects.create(
        tld=v1.tld,
        version=2,
        valid_from=timezone.now(),
        authinfo_validity=v1.authinfo_validity,
        registration_lock=v1.registration_lock,
        transfer_lock=v1.transfer_lock,
        pending_window=v1.pending_window,
        confirmation_validity=timedelta(days=2),
        reconcile_after=v1.reconcile_after,
        rejection_reasons=v1.rejection_reasons,
        note="shorter confirmation",
    )
    TransferPolicy.objects.create(
        tld=v1.tld,
        version=3,
        valid_from=timezone.now() + timedelta(days=30),
        authinfo_validity=v1.authinfo_validity,
        registration_lock=v1.registration_lock,
        transfer_lock=v1.transfer_lock,
        pending_window=v1.pending_window,
        confirmation_validity=timedelta(days=1),
        reconcile_after=v1.reconcile_after,
        rejection_reasons=[],
    )
    second = start(customer_a, sandbox_domain(sponsor="nordhost"))
    first.refresh_from_db()
    assert first.policy == v1 and second.policy == v2
    assert first.confirmation_deadline - first.created_at > timedelta(days=6)
    assert second.confirmation_deadline - second.created_at < timedelta(days=2, minutes=1)


def test_who_sees_what_the_timeline_and_the_next_step(
    transfer_world, customer_a, customer_b, auditor, staff_user, sandbox_domain
):
    transfer = start(customer_a, sandbox_domain(sponsor="nordhost"))
    assert transfer_for_user(customer_a, transfer.pk) == transfer
    with pytest.raises(Http404):
        transfer_for_user(customer_b, transfer.pk)
    assert transfer_for_user(auditor, transfer.pk) == transfer
    assert list(transfers_for_account(staff_user(Team.DOMAINS))) == [transfer]
    assert list(transfers_for_account(customer_b)) == []

    [entry] = timeline(transfer)
    # The person by name, as the timeline shows them.
    assert entry.actor == customer_a.get_full_name() and entry.channel == Channel.WEB and entry.occurred_at
    with translation.override("en"):
        assert "must confirm" in next_step(transfer) and transfer.confirmation_email in next_step(transfer)
    assert transfer.is_open and transfer.can_cancel(customer_a) and not transfer.can_cancel(customer_b)
    assert not transfer.waiting_for_registry
    assert str(transfer.get_state_display())
