"""Writing and checking the history log."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    with transaction.atomic():
        head, _ = HistoryChainHead.objects.select_for_update().get_or_create(pk=1)
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
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        head.last_hash = event.hash
        head.last_event_id = event.pk
        head.save(update_fields=["last_hash", "last_event_id"])
    return event


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
