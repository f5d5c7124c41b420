"""Periodic work of the team queues (a round of workflows.rounds: Celery beat, or
``manage.py process_registry``)."""

from __future__ import annotations

from celery import shared_task

from . import queues


@shared_task(acks_late=True)
def warn_and_escalate() -> int:
    return queues.warn_and_escalate()
