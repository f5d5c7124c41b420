"""Every history event of caller verification, one named function each."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from workflows.history import history_text, record_event
from workflows.models import EventType, HistoryEvent

from .models import CallerSession, VerificationAttempt


def caller_checked(
    *, staff, customer, channel: str, outcome: str, session: CallerSession | None
) -> HistoryEvent:
    """Staff checked a caller's authorisation code: verified, or not and why."""
    verified = outcome == VerificationAttempt.Outcome.VERIFIED
    label = VerificationAttempt.Outcome(outcome).label
    if verified:
        summary = history_text(
            _("%(staff)s verified caller %(customer)s by authorisation code."),
            staff=staff.get_username(),
            customer=customer.get_username(),
        )
    else:
        summary = history_text(
            _("%(staff)s could not verify caller %(customer)s: %(outcome)s."),
            staff=staff.get_username(),
            customer=customer.get_username(),
            outcome=label,
        )
    data: dict[str, Any] = {"customer_id": customer.pk, "outcome": outcome}
    if session is not None:
        data["caller_session_id"] = session.pk
        data["valid_until"] = session.expires_at
    return record_event(
        event_type=EventType.CALLER_VERIFIED if verified else EventType.CALLER_VERIFICATION_FAILED,
        summary=summary,
        actor=staff,
        channel=channel,
        subject=customer,
        data=data,
    )


def email_resent(
    session: CallerSession, subject, kind: str, *, domain_name: str, number: str
) -> HistoryEvent:
    return record_event(
        event_type=EventType.CALLER_EMAIL_RESENT,
        summary=history_text(
            _("E-mail “%(kind)s” about %(number)s sent again to %(customer)s at the caller's request."),
            kind=kind,
            number=number,
            customer=session.customer.get_username(),
        ),
        actor=session.staff,
        channel=session.channel,
        subject=subject,
        domain_name=domain_name,
        data={"kind": kind, "customer_id": session.customer_id, "caller_session_id": session.pk},
    )
