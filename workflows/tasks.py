"""Periodic work of the engine (rounds of workflows.rounds: Celery beat, or ``manage.py
process_registry``) and the outbox's deliverer."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from . import checkpoints, outbox, queues

logger = logging.getLogger(__name__)

# A retry the broker may hold as a countdown; a longer wait is left to the relay round, so
# that no countdown outlives the broker's visibility timeout and runs twice.
SHORT_WAIT_SECONDS = 600


@shared_task(acks_late=True)
def warn_and_escalate() -> int:
    return queues.warn_and_escalate()


@shared_task(bind=True, acks_late=True)
def deliver_outbox_message(self, message_id: int) -> str:
    """Carry out one outbox message. On a worker a short retry is queued again at once; the
    relay round picks up everything else (and every retry in-process, where a countdown would
    not wait)."""
    delivery = outbox.deliver(message_id)
    if delivery.outcome == "retry" and delivery.retry_at is not None and not self.request.is_eager:
        wait = (delivery.retry_at - timezone.now()).total_seconds()
        if wait <= SHORT_WAIT_SECONDS:
            try:
                deliver_outbox_message.apply_async((message_id,), countdown=max(wait, 0))
            except Exception:
                logger.warning("outbox message %s: retry left to the relay round", message_id)
    return delivery.outcome


@shared_task(acks_late=True)
def relay_outbox() -> int:
    """Every outbox message that is due and held by nobody (the safety net)."""
    return outbox.relay()


@shared_task(acks_late=True)
def checkpoint_history() -> int:
    """Signed checkpoints of the chain heads that moved since the last one; the number of
    chains they record."""
    return sum(len(checkpoint.heads) for checkpoint in checkpoints.checkpoint_all())
