"""Periodic work of the team queues (Celery beat, or process_registry's round)."""

from __future__ import annotations

from celery import shared_task

from . import queues


@shared_task
def warn_and_escalate() -> int:
    return queues.warn_and_escalate()
