"""Our record of a domain against the registry's: the registrant, the statuses and the expiry.

Run before a code is issued or a cesja starts, and on a periodic round. The registry is the
truth: a difference is written onto our record, recorded in the history and put before the
domains team; a registrant the registry holds under another contact is no longer verified, so
nothing that belongs to the registrant is done for it until the team has looked.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from registry.epp.data import DomainInfo
from registry.epp.results import ObjectDoesNotExist, RegistryError, RegistryUnavailable
from registry.gateway import RegistryGateway, RegistryGateways
from registry.models import Domain, RegistrantBasis
from transfers.services.checks import registry_refusal
from workflows.cases import now
from workflows.errors import Refused

from . import events
from .models import RegistryDifference

logger = logging.getLogger(__name__)

# The words for what a comparison may find, in the history and on the team's page.
FIELD_LABELS = {
    "registrant": _("registrant (contact ID)"),
    "statuses": _("statuses"),
    "expires_at": _("expires"),
    "sponsor": _("sponsoring registrar"),
}

# What found a difference.
FOUND_BY = {
    "round": _("the periodic comparison"),
    "authinfo": _("the check before a code is issued"),
    "cesja": _("the check before a cesja starts"),
}

# How often the round reads each domain we hold, and how many it reads per run.
COMPARE_EVERY = timedelta(days=7)
ROUND_BATCH = 200


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def _day(value) -> str | None:
    return value.astimezone(UTC).date().isoformat() if value else None


def _statuses(statuses) -> set[str]:
    # "ok" is what a registry says when there is nothing else to say.
    return set(statuses or []) - {"ok"}


def differences(domain: Domain, info: DomainInfo) -> dict[str, list[Any]]:
    """``{field: [ours, the registry's]}`` for what the registry decides."""
    found: dict[str, list[Any]] = {}
    if info.sponsor != domain.sponsor.client_id:
        # Gone from us (or from the registry: no sponsor at all): nothing else is ours to compare.
        return {"sponsor": [domain.sponsor.client_id, info.sponsor or None]}
    ours = domain.registrant.registry_handle if domain.registrant_id else None
    if domain.registrant_basis != RegistrantBasis.READING and (ours or None) != (info.registrant or None):
        found["registrant"] = [ours or None, info.registrant or None]
    if _statuses(domain.statuses) != _statuses(info.statuses):
        found["statuses"] = [sorted(domain.statuses or []), sorted(info.statuses)]
    # By the day: an expiry moves by renewals, in years, and the clocks of two systems differ.
    if info.expires_at is not None and _day(domain.expires_at) != _day(info.expires_at):
        found["expires_at"] = [_iso(domain.expires_at), _iso(info.expires_at)]
    return found


def record_comparison(domain_id: int, info: DomainInfo, *, found_by: str) -> dict[str, list[Any]]:
    """In one transaction: our record takes the registry's values, and a difference is
    recorded and queued for the domains team."""
    with transaction.atomic():
        domain = (
            Domain.objects.select_for_update(of=("self",))
            .select_related("registrant", "sponsor")
            .get(pk=domain_id)
        )
        found = differences(domain, info)
        domain.synced_at = now()
        changed = ["synced_at"]
        # A domain no longer ours has nothing else of ours to correct: the team looks at it.
        if found and "sponsor" not in found:
            domain.statuses = sorted(info.statuses)
            if info.expires_at is not None:
                domain.expires_at = info.expires_at
            if "registrant" in found and domain.registrant_basis in RegistrantBasis.verified():
                domain.registrant_basis = RegistrantBasis.UNCONFIRMED
            changed += ["statuses", "expires_at", "registrant_basis"]
        domain.save(update_fields=changed)
        if found:
            events.registry_difference(domain, found, found_by=found_by)
            RegistryDifference.open_for(domain, found, found_by=found_by)
    return found


def compare_with_registry(domain: Domain, *, found_by: str) -> dict[str, list[Any]]:
    """Read the domain at the registry (as its sponsor) and record what differs."""
    with RegistryGateway.for_domain(domain.name) as registry:
        info = registry.domain_info(domain.name).data
    found = record_comparison(domain.pk, info, found_by=found_by)
    domain.refresh_from_db()
    return found


def check_against_registry(domain: Domain, *, found_by: str) -> None:
    """Before something that belongs to the registrant: the registry still holds the domain
    as we do, or Refused."""
    try:
        found = compare_with_registry(domain, found_by=found_by)
    except RegistryError as exc:
        raise registry_refusal(exc) from None
    if "sponsor" in found:
        raise Refused(
            _("The registry no longer shows %(domain)s as held with us; our domains team checks it.")
            % {"domain": domain.display_name}
        )
    if "registrant" in found:
        raise Refused(
            _("The registry shows another registrant of %(domain)s than we have; our domains team checks it.")
            % {"domain": domain.display_name}
        )


def compare_round(*, batch: int = ROUND_BATCH) -> int:
    """The periodic round: the domains we hold read longest ago, a batch per run."""
    due = list(
        Domain.objects.held_by_us()
        .exclude(registrant_basis=RegistrantBasis.READING)
        .filter(synced_at__isnull=True)
        .values_list("pk", "name")[:batch]
    )
    if len(due) < batch:
        due += list(
            Domain.objects.held_by_us()
            .exclude(registrant_basis=RegistrantBasis.READING)
            .filter(synced_at__lt=now() - COMPARE_EVERY)
            .order_by("synced_at")
            .values_list("pk", "name")[: batch - len(due)]
        )
    if not due:
        return 0
    compared = 0
    with RegistryGateways() as registries:
        for pk, name in due:
            try:
                info = registries.for_domain(name).domain_info(name).data
            except RegistryUnavailable:
                logger.warning("registry unreachable: comparison round stops after %s domains", compared)
                break
            except ObjectDoesNotExist:
                # Gone from the registry: no sponsor, which record_comparison calls a difference.
                info = DomainInfo(name=name, roid="", sponsor="")
            except RegistryError as exc:
                logger.warning("domain %s not readable at the registry: %s", name, type(exc).__name__)
                continue
            record_comparison(pk, info, found_by="round")
            compared += 1
    return compared
