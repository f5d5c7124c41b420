"""Time in a cesja: the documents deadline and the reminders before it."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from workflows.batches import sweep
from workflows.cases import now, when

from .. import events
from ..kind import CESJE
from ..models import DOCUMENT_STATES, Cesja
from .steps import close_items, mail


def expire_cesja(cesja_id: int, *, from_flow: bool = False) -> Cesja | None:
    """The documents did not arrive in time: the cesja ends (the flow's timer, whose flow
    moves on by itself, or the sweep)."""
    with CESJE.step(cesja_id, catch_up=not from_flow) as current:
        if current.state not in DOCUMENT_STATES or current.documents_deadline is None:
            return None
        if current.documents_deadline > now():
            return None  # the deadline moved (a correction) after the timer was set
        before = CESJE.move(current, "expire")
        current.outcome_reason = str(_("The signed documents did not arrive in time."))
        current.save()
        close_items(current)
        events.state_changed(
            current,
            _("Cesja %(number)s expired: the signed documents were due by %(deadline)s."),
            reason=_("The documents deadline passed."),
            before=before,
            data={"documents_deadline": current.documents_deadline},
            deadline=when(current.documents_deadline),
        )
        mail(current, "expired")
    return current


def expire_overdue_cesje() -> int:
    """The sweep behind the flow's timer: every cesja whose documents deadline passed, in
    batches that several workers share; a cesja that fails is left for the next round."""
    due = Cesja.objects.filter(state__in=DOCUMENT_STATES, documents_deadline__lte=now())
    return sweep(CESJE, due, expire_cesja, what="cesja expiry")


def send_cesja_reminders() -> int:
    """Remind both parties, so many days before the documents are due as the policy says.
    A reminder whose moment passed unsent (the sweep did not run) is folded into the next
    one: each party hears once per moment, never twice in a row for the same deadline."""
    moment = now()
    waiting = Cesja.objects.filter(state__in=DOCUMENT_STATES, documents_deadline__gt=moment).select_related(
        "policy"
    )
    candidates = [
        cesja.pk
        for cesja in waiting
        if not set(_due_reminders(cesja, moment)) <= set(cesja.reminders_sent or [])
    ]
    if not candidates:
        return 0
    return sweep(CESJE, Cesja.objects.filter(pk__in=candidates), remind, what="cesja reminder")


def _due_reminders(cesja: Cesja, moment) -> list[int]:
    return [d for d in cesja.policy.reminders() if moment >= cesja.documents_deadline - timedelta(days=d)]


def remind(cesja_id: int) -> int | None:
    """Remind the parties of one cesja, if a reminder is due and unsent: the days before the
    deadline it names, or None."""
    with CESJE.step(cesja_id) as current:
        if current.state not in DOCUMENT_STATES or current.documents_deadline <= now():
            return None
        due = _due_reminders(current, now())
        new = sorted(set(due) - set(current.reminders_sent or []))
        if not new:
            return None
        days = min(new)
        current.reminders_sent = sorted(set(current.reminders_sent or []) | set(due), reverse=True)
        current.save(update_fields=["reminders_sent"])
        events.reminder_sent(current, days, when(current.documents_deadline))
        mail(current, "reminder", days=days)
    return days
