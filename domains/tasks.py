"""Periodic work of the domains we hold: codes whose validity ended are replaced at the registry."""

from __future__ import annotations

import logging

from celery import shared_task

from registry.epp.results import RegistryUnavailable

from . import comparison, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def reset_expired_authinfo_codes() -> int:
    try:
        return services.reset_expired_authinfo_codes()
    except RegistryUnavailable:
        logger.info("authinfo reset: registry unreachable; next run will try again")
        return 0


@shared_task(acks_late=True)
def compare_with_registry() -> int:
    return comparison.compare_round()
