"""Background jobs that talk to the registry."""

from __future__ import annotations

import logging
import random

from celery import shared_task

from .epp.results import RegistryUnavailable
from .gateway import RegistryGateway
from .models import Domain
from .sync import apply_domain_info

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 5
RETRY_CAP_SECONDS = 600


def retry_delay(retries: int) -> float:
    """Exponential back-off with jitter: about 5 s, 10 s, 20 s ... at most 10 minutes, spread
    so that jobs failing together do not all come back at the same moment."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


@shared_task(bind=True, acks_late=True, max_retries=8)
def sync_domain(self, name: str) -> str:
    """Read the domain from the registry and update our row. Returns "changed",
    "unchanged", or "unknown" when we keep no such domain.

    While the registry cannot be reached a worker retries with exponential back-off (the
    info command is a query, so running it again is always safe). Run in-process (no
    broker), there is no queue to wait in: the caller gets ``RegistryUnavailable`` at once.
    """
    domain = Domain.objects.select_related("sponsor").filter(name=name).first()
    if domain is None:
        logger.warning("sync_domain: no domain %s here", name)
        return "unknown"
    try:
        with RegistryGateway.for_domain(name) as gateway:
            result = gateway.domain_info(name)
    except RegistryUnavailable as exc:
        if self.request.is_eager or self.request.called_directly:
            raise
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc
    changes = apply_domain_info(domain, result.data)
    return "changed" if changes else "unchanged"
