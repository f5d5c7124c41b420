"""Background jobs for transfers. Each takes only a transfer id (never a code), is
acknowledged late, and is idempotent: the registry command it sends carries an idempotency
key, so running it twice never does a thing twice at the registry.

While the registry cannot be reached, a worker retries with exponential back-off. Run
in-process (no broker) there is no queue to wait in: the failure is recorded on the transfer
(the customer sees "waiting for the registry", ``retry_at`` says when to try again) and the
periodic sweep ``retry_waiting_transfers`` (run by ``manage.py process_registry``) sends it
again. The sweep also catches jobs a worker gave up on after its last retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task
from django.utils import timezone

from registry.epp.results import RegistryUnavailable
from registry.tasks import retry_delay

from . import services
from .models import AT_REGISTRY, State, Transfer

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
def submit_transfer_request(self, transfer_id: int) -> str:
    return _run(self, services.send_transfer_request, transfer_id)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def cancel_transfer_at_registry(self, transfer_id: int) -> str:
    return _run(self, services.cancel_at_registry, transfer_id)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def approve_transfer_at_registry(self, transfer_id: int) -> str:
    return _run(self, services.approve_at_registry, transfer_id)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def reject_transfer_at_registry(self, transfer_id: int) -> str:
    return _run(self, services.reject_at_registry, transfer_id)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def reconcile_transfer(self, transfer_id: int) -> str:
    return _run(self, services.reconcile_transfer, transfer_id)


JOB_FOR_STATE = {
    State.SUBMITTING: submit_transfer_request,
    State.CANCELLING: cancel_transfer_at_registry,
    State.APPROVING: approve_transfer_at_registry,
    State.REJECTING: reject_transfer_at_registry,
}


@shared_task(acks_late=True)
def retry_waiting_transfers() -> int:
    """Send again every registry command whose last try failed and whose back-off is over."""
    due = Transfer.objects.filter(
        state__in=list(JOB_FOR_STATE), registry_tries__gt=0, retry_at__lte=timezone.now()
    ).values_list("pk", "state")
    for pk, state in due:
        JOB_FOR_STATE[state].delay(pk)
    return len(due)


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
def reset_expired_authinfo_codes() -> int:
    try:
        return services.reset_expired_authinfo_codes()
    except RegistryUnavailable:
        logger.info("authinfo reset: registry unreachable; next run will try again")
        return 0


@shared_task(acks_late=True)
def fire_workflow_timers() -> int:
    """viewflow's database timers (confirmation deadlines) that are due."""
    from viewflow.workflow.timers import fire_due_timers

    return fire_due_timers()


@shared_task(acks_late=True)
def sync_open_flows() -> int:
    """Catch up the flow of every open transfer with its state (the periodic sweep)."""
    from .flows import sync_open_flows as catch_up

    return catch_up()
