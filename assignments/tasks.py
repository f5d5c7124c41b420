"""Background jobs for cesje. Each takes only a cesja id, is acknowledged late, and is
idempotent: every registry command it sends carries an idempotency key, so running it twice
never does a thing twice at the registry.

While the registry cannot be reached, a worker retries with exponential back-off. Run
in-process (no broker) there is no queue to wait in: the failure is recorded on the cesja
(``retry_at`` says when to try again) and the sweep ``retry_waiting_cesje`` (run by
``manage.py process_registry``) sends it again. The sweep also catches jobs a worker gave
up on after its last retry, or lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from registry.epp.results import RegistryUnavailable
from registry.tasks import retry_delay

from . import services
from .models import Cesja, State

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
# An approved cesja with no failure on record and no result after this long lost its job.
LOST_JOB_AFTER = timedelta(minutes=10)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def execute_cesja(self, cesja_id: int) -> str:
    try:
        return services.execute_cesja(cesja_id)
    except RegistryUnavailable as exc:
        if self.request.is_eager or self.request.called_directly:
            logger.info("cesja %s: registry unreachable; the sweep will retry", cesja_id)
            return "waiting"
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from None


@shared_task(acks_late=True)
def retry_waiting_cesje() -> int:
    """Send again every approved cesja whose last try failed and whose back-off is over."""
    now = timezone.now()
    due = list(
        Cesja.objects.filter(state=State.EXECUTING)
        .filter(
            Q(registry_tries__gt=0, retry_at__lte=now)
            | Q(registry_tries=0, approved_at__lte=now - LOST_JOB_AFTER)
        )
        .values_list("pk", flat=True)
    )
    for pk in due:
        execute_cesja.delay(pk)
    return len(due)


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
