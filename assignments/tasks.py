"""Periodic work of cesje: reminders before the documents deadline, and the expiry of those
whose deadline passed. Carrying out an approved cesja at the registry is an outbox message
written with the approval (``assignments.consequences``), not a job here.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_cesja_reminders() -> int:
    return services.send_cesja_reminders()


@shared_task(acks_late=True)
def expire_overdue_cesje() -> int:
    return services.expire_overdue_cesje()


@shared_task(acks_late=True)
def sync_open_flows() -> int:
    """Catch up the flow of every open cesja with its state (the periodic sweep)."""
    from .flows import sync_open_flows as catch_up

    return catch_up()
