"""Bringing our Domain rows in line with what the registry says about them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from workflows.history import diff

from . import events
from .epp.data import DomainInfo
from .models import Domain, Registrar


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def domain_snapshot(domain: Domain) -> dict[str, Any]:
    """The registry-owned fields of a Domain, in a form the history log can hold."""
    return {
        "sponsor": domain.sponsor.client_id if domain.sponsor_id else None,
        "statuses": sorted(domain.statuses or []),
        "registry_roid": domain.registry_roid,
        "created_at": _when(domain.created_at),
        "expires_at": _when(domain.expires_at),
        "last_transfer_at": _when(domain.last_transfer_at),
    }


def apply_domain_info(domain: Domain, info: DomainInfo) -> dict[str, list[Any]]:
    """Copy what the registry showed onto ``domain`` and return the changes as
    ``{field: [before, after]}``; a DOMAIN_SYNCED event is written only if there are any.

    A registry shows dates only to the sponsor (or to whoever gives the authInfo); what it
    did not show is left as we had it."""
    before = domain_snapshot(domain)
    if domain.sponsor_id is None or domain.sponsor.client_id != info.sponsor:
        domain.sponsor, _created = Registrar.objects.get_or_create(
            client_id=info.sponsor, defaults={"name": info.sponsor}
        )
    domain.statuses = sorted(info.statuses)
    domain.registry_roid = info.roid
    for field, value in (
        ("created_at", info.created_at),
        ("expires_at", info.expires_at),
        ("last_transfer_at", info.transferred_at),
    ):
        if value is not None:
            setattr(domain, field, value)
    domain.synced_at = timezone.now()
    changes = diff(before, domain_snapshot(domain))
    with transaction.atomic():
        domain.save()
        if changes:
            events.domain_synced(domain, changes)
    return changes
