"""Writing and checking the history log."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone, translation

from .models import GENESIS_HASH, Channel, EventType, HistoryChainHead, HistoryEvent


def actor_label_for(actor) -> str:
    if actor is None:
        return "system"
    role = getattr(actor, "role", "")
    return f"{actor.get_username()} ({role})" if role else actor.get_username()


def record_event(
    *,
    event_type: EventType | str,
    summary: str,
    actor=None,
    actor_label: str = "",
    channel: Channel | str = Channel.WEB,
    subject: models.Model | None = None,
    domain_name: str = "",
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> HistoryEvent:
    """Append one event to the history, chained to the one before it.

    Call it inside the transaction that makes the change, so that the change and its event
    are committed together or not at all.
    """
    if actor is None and not actor_label and channel != Channel.SYSTEM:
        raise ValueError(
            "An event without an actor must come through the system channel, or name who acted "
            "(actor_label) when that person has no account, e.g. a registrant following a link."
        )
    event = HistoryEvent(
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        channel=channel,
        event_type=event_type,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        domain_name=domain_name,
        summary=summary,
        reason=reason,
        changes=dict(changes or {}),
        data=dict(data or {}),
    )
    pending = getattr(_deferred, "events", None)
    if pending is not None:
        pending.append(event)
        return event
    write_events([event])
    return event


_deferred = threading.local()


@contextmanager
def deferred_events() -> Iterator[list[HistoryEvent]]:
    """Inside, ``record_event`` collects its events instead of writing them; the caller
    chains and writes them with ``write_events`` in the same transaction, before it commits.

    For a round that makes many steps in one transaction: the chain head, which every event
    locks until the commit, is then taken once, at the end, instead of at the first step."""
    if getattr(_deferred, "events", None) is not None:
        raise RuntimeError("history events are already being deferred")
    _deferred.events = []
    try:
        yield _deferred.events
    finally:
        _deferred.events = None


def write_events(events: list[HistoryEvent]) -> None:
    """Chain ``events`` in their order after the newest event, and write them."""
    if not events:
        return
    with transaction.atomic():
        head, _ = HistoryChainHead.objects.select_for_update().get_or_create(pk=1)
        last_hash = head.last_hash
        for event in events:
            event.prev_hash = last_hash
            event.hash = last_hash = event.compute_hash()
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            HistoryEvent.objects.bulk_create(events)
        head.last_hash = last_hash
        head.last_event_id = events[-1].pk
        head.save(update_fields=["last_hash", "last_event_id"])


def history_text(text: Any, **params: Any) -> str:
    """A summary in the product's own language, so the log reads the same whoever acted and
    in whatever language their panel was."""
    with translation.override(settings.LANGUAGE_CODE):
        rendered = {key: str(value) for key, value in params.items()}
        return str(text) % rendered if params else str(text)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    problem: str


def iter_chain_problems(batch_size: int = 2000) -> Iterator[BrokenLink]:
    """Walk the whole chain in id order and yield every link that does not hold."""
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        batch = list(HistoryEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.prev_hash != expected_prev:
                yield BrokenLink(event.pk, "does not link to the event before it")
            if event.compute_hash() != event.hash:
                yield BrokenLink(event.pk, "its content does not match its hash")
            expected_prev = event.hash
            last_id = event.pk
    head = HistoryChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != expected_prev:
        yield BrokenLink(head.last_event_id or 0, "the newest event is missing or was replaced")
