"""Reading domains for the pages: a customer's domains with their statuses in words, the
TLDs we serve, one domain by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from workflows.paging import KeysFirst

from .display import StatusText, describe_statuses
from .models import Domain, Tld
from .names import DomainName

# Domains expiring within this many days are flagged on the customer's home page.
EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    statuses: list[StatusText]
    expires_soon: bool
    # Only a domain we hold can get a transfer code from us or be locked by its registrant.
    held_by_us: bool = False
    transfer_locked: bool = False


def customer_domains(user) -> KeysFirst:
    """The customer's domains, the soonest to expire first; a page's keys are read first, then
    those domains with their sponsor, holder and TLD."""
    return KeysFirst(
        Domain.objects.of_account(user).order_by("expires_at", "name", "pk"),
        Domain.objects.select_related("sponsor", "registrant", "tld"),
    )


def domain_rows(domains, *, now: datetime | None = None) -> list[DomainRow]:
    now = now or timezone.now()
    return [
        DomainRow(
            domain=domain,
            statuses=describe_statuses(domain.statuses),
            expires_soon=domain.expires_at is not None and domain.expires_at <= now + EXPIRY_WARNING,
            held_by_us=domain.sponsor.is_us,
            transfer_locked="clientTransferProhibited" in (domain.statuses or []),
        )
        for domain in domains
    ]


def served_tlds() -> list[str]:
    return list(Tld.objects.filter(active=True).order_by("name").values_list("name", flat=True))


def served_tld(name: str) -> Tld | None:
    return Tld.objects.filter(name=name, active=True).first()


def find_domain(name: DomainName) -> Domain | None:
    return Domain.objects.select_related("sponsor", "registrant").filter(name=name.ascii).first()
