"""Reads every kind of case shares: who may see a case, and its timeline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from .models import HistoryEvent
from .readable import actor_name, channel_text
from .roles import AUDIT_PERMISSION


def sees_all(user) -> bool:
    """Back-office staff and auditors see every case."""
    return bool(getattr(user, "is_back_office", False) or user.has_perm(AUDIT_PERMISSION))


def visible_to(user, cases: QuerySet, own: Q) -> QuerySet:
    """``cases`` as ``user`` may see them: all for the back office and auditors, those ``own``
    selects for a customer, none for someone not logged in."""
    if user is None or not user.is_authenticated:
        return cases.none()
    return cases if sees_all(user) else cases.filter(own)


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    # The person by name, or "System"; the channel in words, "" for what the system did.
    actor: str
    channel: str
    channel_label: str
    summary: str
    reason: str
    event_type: str
    data: dict[str, Any]


def timeline(case: models.Model, *, leave_out: Iterable[str] = ()) -> list[TimelineEntry]:
    """Every recorded step of the case, oldest first, with time, actor, channel and reason;
    events of the types in ``leave_out`` are not part of its story."""
    events = (
        HistoryEvent.objects.for_object(case)
        .exclude(event_type__in=list(leave_out))
        .select_related("actor")
        .order_by("id")
    )
    return [
        TimelineEntry(
            occurred_at=e.occurred_at,
            actor=actor_name(e),
            channel=e.channel,
            channel_label=channel_text(e),
            summary=e.summary,
            reason=e.reason,
            event_type=e.event_type,
            data=e.data,
        )
        for e in events
    ]
