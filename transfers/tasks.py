"""Periodic work of transfers: poll messages, reconciliation of long-pending transfers,
viewflow's timers. Each job takes only ids (never a code), is
acknowledged late and is idempotent.

Our registry commands are not jobs here: they are outbox messages written with the step that
asks for them (``transfers.consequences``), so a broker that is down delays them and never
loses them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task
from django.utils import timezone

from registry.epp.results import RegistryUnavailable
from registry.tasks import retry_delay

from . import services
from .models import AT_REGISTRY, Transfer

logger = logging.getLogger(__name__)

MAX_RETRIES = 8


def _run(task, step: Callable[[int], str], transfer_id: int) -> str:
    try:
        return step(transfer_id)
    except RegistryUnavailable as exc:
        if task.request.is_eager or task.request.called_directly:
            logger.info("transfer %s: registry unreachable; the sweep will retry", transfer_id)
            return "waiting"
        raise task.retry(exc=exc, countdown=retry_delay(task.request.retries)) from None


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def reconcile_transfer(self, transfer_id: int) -> str:
    return _run(self, services.reconcile_transfer, transfer_id)


@shared_task(acks_late=True)
def process_poll_messages() -> int:
    from .poll import process_poll_messages as drain

    try:
        return drain()
    except RegistryUnavailable:
        logger.info("poll: registry unreachable; next run will try again")
        return 0


@shared_task(acks_late=True)
def reconcile_pending_transfers() -> int:
    """Ask the registry about every transfer pending there longer than its policy allows,
    so that none stays "pending" because a poll message was lost."""
    due = list(
        Transfer.objects.filter(state__in=AT_REGISTRY, next_check_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        reconcile_transfer.delay(pk)
    return len(due)


@shared_task(acks_late=True)
def fire_workflow_timers() -> int:
    """viewflow's database timers (every flow's deadlines) that are due, claimed in batches
    that several workers share (``workflows.timers``)."""
    from workflows.timers import fire_due_timers

    return fire_due_timers()


@shared_task(acks_late=True)
def sync_open_flows() -> int:
    """Catch up the flow of every open transfer with its state (the periodic sweep)."""
    from .flows import sync_open_flows as catch_up

    return catch_up()
