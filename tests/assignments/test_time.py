"""Deadlines: reminders before the documents are due, then expiry; late verification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from assignments.models import Reason, Side, State
from assignments.selectors import overdue_verifications
from assignments.services import join_cesja, start_cesja, submit_signed_document
from workflows.errors import Conflict
from workflows.flowsync import process_of
from workflows.models import Channel, EventType

from .helpers import events, invitation_token, process_registry, scan_of_current_form, subjects


def test_reminders_seven_and_two_days_before_then_expiry(
    cesja_world, customer_a, registrant_a, customer_b, llc_b, cesja_time_passes
):
    cesja = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email=customer_b.email,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    cesja = join_cesja(cesja=cesja, registrant=llc_b, actor=customer_b, channel=Channel.WEB)
    mail.outbox.clear()
    process_registry()
    assert not events(cesja, EventType.CESJA_REMINDER).exists()

    cesja_time_passes(timedelta(days=23, minutes=1))  # 7 days left
    process_registry()
    process_registry()  # a second round sends nothing again
    [seven] = events(cesja, EventType.CESJA_REMINDER)
    assert seven.data["days_before"] == 7 and seven.channel == Channel.SYSTEM and seven.reason
    assert [s for s in subjects(customer_a.email) if "Przypomnienie" in s] == [
        f"Przypomnienie: 7 dni na dokumenty cesji {cesja.number}"
    ]
    assert len([s for s in subjects(customer_b.email) if "Przypomnienie" in s]) == 1

    cesja_time_passes(timedelta(days=5))  # 2 days left
    process_registry()
    assert [e.data["days_before"] for e in events(cesja, EventType.CESJA_REMINDER)] == [7, 2]
    assert len([s for s in subjects(customer_b.email) if "Przypomnienie" in s]) == 2

    cesja_time_passes(timedelta(days=2))  # the deadline has passed
    process_registry()
    cesja.refresh_from_db()
    assert cesja.state == State.EXPIRED and not cesja.items.filter(active=True).exists()
    expired = events(cesja, EventType.CESJA_STATE_CHANGED).last()
    assert expired.changes["state"] == ["awaiting_documents", "expired"] and expired.channel == Channel.SYSTEM
    assert expired.reason and expired.actor is None
    assert f"Cesja {cesja.number} wygasła" in subjects(customer_a.email)
    assert f"Cesja {cesja.number} wygasła" in subjects(customer_b.email)
    assert process_of(cesja).finished is not None
    with pytest.raises(Conflict):
        submit_signed_document(
            cesja=cesja, uploaded_file=scan_of_current_form(cesja), kind="signed_form", actor=customer_a
        )


def test_an_invitation_nobody_answers_expires_and_late_verification_shows(
    cesja_world, customer_a, registrant_a, organisation_a, cesja_time_passes
):
    unanswered = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        other_party_email="nowy.nabywca@example.pl",
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    assert unanswered.cesjonariusz_account is None
    invitation_token("nowy.nabywca@example.pl")
    verified = start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[cesja_world.domain(registrant_a)],
        cedent_registrant=registrant_a,
        cesjonariusz_registrant=organisation_a,
        reason=Reason.PERSON_TO_FIRM,
        actor=customer_a,
        channel=Channel.WEB,
    )
    submit_signed_document(
        cesja=verified, uploaded_file=scan_of_current_form(verified), kind="signed_form", actor=customer_a
    )
    assert not overdue_verifications().exists()

    cesja_time_passes(timedelta(days=30, minutes=1))
    process_registry()
    unanswered.refresh_from_db()
    assert unanswered.state == State.EXPIRED
    # The invited address, never turned into an account, hears of the end too.
    assert f"Cesja {unanswered.number} wygasła" in subjects("nowy.nabywca@example.pl")
    verified.refresh_from_db()
    assert verified.state == State.IN_VERIFICATION and verified.verification_is_late
    assert list(overdue_verifications()) == [verified]
