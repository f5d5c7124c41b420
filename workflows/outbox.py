"""What follows a committed step: written with the step, carried out at least once after it.

A step of a case (a confirmation, an approval, a registry answer) commits its state, its
history event and the rows of this outbox in one transaction. Nothing the step asks for is
done inside that transaction, and nothing depends on a callback surviving the commit: the
relay reads the rows and carries each out, marks it sent, and on any failure (the registry,
the mail server or the broker down, a worker killed) leaves it for a later try. A decision is
therefore never half done: it is either not committed at all, or committed with everything
that must follow it, which arrives once the fault is over.

How a message reaches a deliverer:

- on commit of the step, the relay is woken: one ``deliver_outbox_message`` job per message,
  on a worker, or in-process without a broker (the embedded default); a broker that is down
  only delays it: the error is logged, never raised to the user. E-mail to people is tried
  first by the committing process itself (``handles(local=True)``);
- the periodic round ``relay_outbox`` delivers every message that is due and not held, so a
  lost wake-up, a failed try or a deliverer killed mid-way is picked up.

A deliverer claims a message by a conditional UPDATE that sets ``claimed_until`` (a lease):
two deliverers never run the same message at once, and one that died frees it when its lease
runs out. The handlers must be idempotent (registry commands carry idempotency keys; a step
that arrives late finds the case moved on and does nothing), since a deliverer may die after
the handler did its work and before the message was marked sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]

_handlers: dict[str, Handler] = {}
# Kinds whose first try is made by the process that committed the step (see ``wake``).
_local: set[str] = set()
# Kinds the committing process never carries out itself (see ``handles``).
_background: set[str] = set()

BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_CAP = timedelta(minutes=10)


class RetryLater(Exception):  # noqa: N818 - it is an instruction, not an error
    """A handler could not do its work now (the registry, say, is unreachable): try again at
    ``at``, or after the usual back-off when ``at`` is None."""

    def __init__(self, at: datetime | None = None, reason: str = "") -> None:
        super().__init__(reason or "retry later")
        self.at = at
        self.reason = reason


def handles(kind: str, *, local: bool = False, background: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that carries out messages of ``kind`` (one per kind).

    ``local``: the first try is made right after the commit by the process that made the step,
    not by a worker. For e-mail to people, who wait for it (a confirmation link) and whom a
    worker's queue would only keep waiting; a failure there is retried by the relay as any.

    ``background``: never carried out by the process that made the step, even without a
    broker (where other jobs run in-process): slow work (rendering a PDF) that the person
    who acted must not wait for. A worker takes it, or else the relay round."""
    if local and background:
        raise ValueError(f"outbox kind {kind!r} cannot be both local and background")

    def register(handler: Handler) -> Handler:
        known = _handlers.get(kind)
        if known is not None and known is not handler:
            raise ValueError(f"outbox kind {kind!r} already has a handler: {known!r}")
        _handlers[kind] = handler
        if local:
            _local.add(kind)
        if background:
            _background.add(kind)
        return handler

    return register


def lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... at most 10 minutes: a short outage is bridged quickly, a long one
    is not hammered."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))


# ---------------------------------------------------------------------- writing


def emit(
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    case: models.Model | None = None,
    key: str | None = None,
    sealed: str = "",
) -> OutboxMessage | None:
    """Write one message in the caller's transaction; the relay is woken when it commits.

    ``key`` names the consequence (e.g. ``transfer:12:request:1``): a second message with a
    key already written is not written again, and None is returned. ``sealed`` carries a
    secret the handler needs, sealed by the caller; it is wiped when the message is sent.
    """
    if kind not in _handlers:
        raise ValueError(f"no handler for outbox kind {kind!r}")
    if key is not None and OutboxMessage.objects.filter(key=key).exists():
        return None
    message = OutboxMessage(
        kind=kind,
        key=key,
        payload=dict(payload or {}),
        sealed=sealed,
        case_type=ContentType.objects.get_for_model(case) if case is not None else None,
        case_id=str(case.pk) if case is not None else "",
    )
    held = getattr(_held, "messages", None)
    if held is not None and key is None:
        # Written with the others at the end of the round's transaction (``write_held``).
        held.append(message)
        return message
    message.save(force_insert=True)
    if kind in _background and settings.CELERY_TASK_ALWAYS_EAGER:
        # Without a broker a wake-up would run it here and now, inside the request.
        return message
    if held is not None:
        held.append(message)
        return message
    transaction.on_commit(lambda: wake(message.pk, local=kind in _local))
    return message


_held = threading.local()


@contextmanager
def held_wakes() -> Iterator[list[OutboxMessage]]:
    """Inside, ``emit`` collects its messages instead of waking anyone for each on commit:
    those without a key are not even written yet. The caller writes them with ``write_held``
    before its commit and passes the ids it returns to ``hand_over`` after it.

    For a background round that makes many steps in one transaction: it must not send mail
    itself, one message after another, nor register a callback per message."""
    if getattr(_held, "messages", None) is not None:
        raise RuntimeError("outbox wake-ups are already held")
    _held.messages = []
    try:
        yield _held.messages
    finally:
        _held.messages = None


def write_held(messages: list[OutboxMessage]) -> list[int]:
    """Write the held messages not yet written, in one statement; returns the ids of those
    to wake (a background kind is left to the workers or the relay, as ``emit`` leaves it)."""
    unwritten = [m for m in messages if m.pk is None]
    if unwritten:
        OutboxMessage.objects.bulk_create(unwritten)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    return [m.pk for m in messages if not (eager and m.kind in _background)]


def hand_over(message_ids: list[int]) -> None:
    """Committed messages to the job queue: one ``deliver_outbox_message`` job each, on the
    workers. Without a broker a job would run here and now, so nothing is sent from here:
    the relay round delivers them."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    for message_id in message_ids:
        wake(message_id)


def wake(message_id: int, *, local: bool = False) -> None:
    """Hand a committed message to a deliverer. Never raises: the message is in the database,
    and the periodic round delivers what a wake-up could not."""
    from .tasks import deliver_outbox_message

    try:
        if local:
            deliver(message_id)
        else:
            # Without a broker Celery runs the job here and now (the embedded default).
            deliver_outbox_message.delay(message_id)
    except Exception:
        logger.warning("outbox message %s: not handed over now; the relay round sends it", message_id)


# ---------------------------------------------------------------------- delivering


@dataclass(frozen=True)
class Delivery:
    outcome: str  # "sent", "retry", "held" (another deliverer has it, or it is not due), "gone"
    retry_at: datetime | None = None


def _claim(message_id: int, now: datetime) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(
        OutboxMessage.objects.filter(free, pk=message_id, sent_at__isnull=True, available_at__lte=now).update(
            claimed_until=now + lease(), attempts=F("attempts") + 1
        )
    )


def deliver(message_id: int) -> Delivery:
    """Carry out one message if it is due and nobody else holds it."""
    now = timezone.now()
    if not _claim(message_id, now):
        return Delivery("held")
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return Delivery("gone")
    handler = _handlers.get(message.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for outbox kind {message.kind!r}")
        handler(message)
    except RetryLater as exc:
        return _later(message, exc.at, exc.reason or "retry later")
    except Exception as exc:
        # A bug or an unexpected failure: logged in full, and tried again with back-off, so
        # that the consequence is delayed, not lost, while someone looks.
        logger.exception("outbox message %s (%s) failed", message.pk, message.kind)
        return _later(message, None, f"{type(exc).__name__}: {exc}")
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), claimed_until=None, last_error="", sealed=""
    )
    return Delivery("sent")


def _later(message: OutboxMessage, at: datetime | None, reason: str) -> Delivery:
    when = at or timezone.now() + backoff(message.attempts)
    OutboxMessage.objects.filter(pk=message.pk).update(
        available_at=when, claimed_until=None, last_error=reason[:1000]
    )
    logger.info("outbox message %s (%s) tries again at %s", message.pk, message.kind, when)
    return Delivery("retry", when)


def due(limit: int = 200) -> list[int]:
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return list(
        OutboxMessage.objects.filter(free, sent_at__isnull=True, available_at__lte=now)
        .order_by("available_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def relay(*, batch: int = 200, budget: timedelta = timedelta(seconds=50)) -> int:
    """Deliver every due message, batch after batch, within ``budget``; returns how many were
    sent. A message that fails again is not retried in the same round (its back-off moved it
    into the future)."""
    sent = 0
    stop_at = timezone.now() + budget
    tried: set[int] = set()
    while timezone.now() < stop_at:
        ids = [pk for pk in due(batch) if pk not in tried]
        if not ids:
            break
        for pk in ids:
            tried.add(pk)
            if deliver(pk).outcome == "sent":
                sent += 1
    return sent


def pending_for(case: models.Model) -> models.QuerySet[OutboxMessage]:
    """The messages of ``case`` not yet sent."""
    return OutboxMessage.objects.filter(
        case_type=ContentType.objects.get_for_model(case), case_id=str(case.pk), sent_at__isnull=True
    )
