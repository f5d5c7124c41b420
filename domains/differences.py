"""The domains team closes a registry difference, saying what was done."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from workflows import flowsync, locks
from workflows.cases import is_staff, now
from workflows.errors import Conflict, Refused
from workflows.models import EventType

from . import events
from .flows import WAITS
from .models import RegistryDifference

logger = logging.getLogger(__name__)


def resolve(*, difference_id: int, actor, channel: str, resolution: str) -> RegistryDifference:
    if not is_staff(actor):
        raise Refused(_("Only our staff check registry differences."))
    resolution = resolution.strip()
    if not resolution:
        raise Refused(_("Say what was done about the difference."))
    with transaction.atomic():
        difference = locks.lock_case(RegistryDifference, difference_id, ("domain",))
        if difference.resolved_at is not None:
            raise Conflict(_("This difference was checked already."))
        difference.resolved_at = now()
        difference.resolved_by = actor
        difference.resolution = resolution
        difference.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        events.registry_difference_checked(difference, actor=actor, channel=channel)
        flowsync.catch_up(
            difference,
            lambda node, d: WAITS.get(node, lambda _d: False)(d),
            decided_in=EventType.DOMAIN_REGISTRY_DIFFERENCE_CHECKED,
            rounds=2,
            logger=logger,
        )
    return difference
