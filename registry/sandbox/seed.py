"""Filling the sandbox from demo_data.py, with dates counted from the moment of seeding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from . import demo_data
from .store import SandboxStore


@dataclass(frozen=True)
class SeedReport:
    registrars: int
    contacts: int
    domains: int


def seed(store: SandboxStore, *, reset: bool = False) -> SeedReport:
    """Load the demo registrars, contacts and domains. Without ``reset`` an already seeded
    sandbox is left as it is; with it everything (clock included) starts again."""
    if reset:
        store.wipe()
    elif store.is_seeded():
        return SeedReport(0, 0, 0)
    now = store.now()
    for registrar in demo_data.REGISTRARS:
        store.add_registrar(registrar.client_id, registrar.name, registrar.password)
    for contact in demo_data.CONTACTS:
        store.add_contact(
            contact.handle,
            sponsor=contact.sponsor,
            name=contact.name,
            org=contact.org,
            street=[contact.street],
            city=contact.city,
            postal_code=contact.postal_code,
            country=contact.country,
            email=contact.email,
            voice=contact.voice,
            created_at=now - timedelta(days=3000),
        )
    for domain in demo_data.DOMAINS:
        store.add_domain(
            domain.name,
            sponsor=domain.sponsor,
            registrant=domain.registrant,
            authinfo=domain.authinfo,
            created_at=now - timedelta(days=domain.created_days_ago),
            expires_at=now + timedelta(days=domain.expires_in_days),
            statuses=domain.statuses,
            transferred_at=(
                now - timedelta(days=domain.transferred_days_ago)
                if domain.transferred_days_ago is not None
                else None
            ),
        )
    return SeedReport(len(demo_data.REGISTRARS), len(demo_data.CONTACTS), len(demo_data.DOMAINS))
