"""The data the HTTP benchmark runs on, in its own database and its own registry sandbox.

A registrar's background (``seed_volume``: customers, requests, open tasks in the domains
team's queue, history) and, for the people the benchmark plays, accounts that log in with a
password: customers with a verified registrant profile, a .com domain we hold (at the
sandbox registry too, so that the lock reaches the registry) and an incoming transfer
request each; and staff of the domains team.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Registrant, User
from benchmarks.volume import seed_volume
from benchmarks.volume.common import bulk
from benchmarks.volume.people import _pesel
from registry.models import Domain, Registrar, Tld
from registry.sandbox import demo_data
from registry.sandbox.seed import seed as seed_sandbox
from registry.sandbox.store import SandboxStore
from workflows.models import EventType
from workflows.roles import Role, Team

from .users import Person

PREFIX = "load"
LOCK = "clientTransferProhibited"


def seed_load(*, customers: int, staff: int, volume: int, sandbox_dir: Path, secret: str) -> list[Person]:
    """Everything the run needs, in a migrated database; returns the people it plays."""
    from benchmarks.management.commands.bench_transitions import LOSING, _open_transfer
    from workflows import outbox

    com, _created = Tld.objects.get_or_create(name="com", defaults={"registry_name": "Verisign"})
    us, _created = Registrar.objects.get_or_create(
        client_id=demo_data.US, defaults={"name": "RegFlow", "is_us": True}
    )
    Registrar.objects.get_or_create(client_id=LOSING, defaults={"name": "Bench losing registrar"})
    if volume:
        seed_volume(requests=volume, events=4 * volume, seed=2026)

    rng = random.Random(2026)
    now = timezone.now()
    hashed = make_password(secret)  # one hash for all: the password hasher is slow on purpose
    with transaction.atomic():
        accounts = bulk(
            User,
            [
                User(
                    username=f"{PREFIX}-c{i}",
                    password=hashed,
                    role=Role.CUSTOMER,
                    first_name="Jan",
                    last_name=f"Klient{i}",
                    email=f"{PREFIX}-c{i}@example.pl",
                )
                for i in range(customers)
            ]
            + [
                User(
                    username=f"{PREFIX}-s{i}",
                    password=hashed,
                    role=Role.STAFF,
                    team=Team.DOMAINS,
                    first_name="Ewa",
                    last_name=f"Pracownik{i}",
                    email=f"{PREFIX}-s{i}@regflow.example.pl",
                )
                for i in range(staff)
            ],
        )
        buyers = accounts[:customers]
        profiles = bulk(
            Registrant,
            [
                Registrant(
                    account=account,
                    kind=Registrant.Kind.PERSON,
                    first_name=account.first_name,
                    last_name=account.last_name,
                    pesel=_pesel(rng),
                    street=f"ul. Polna {i + 1}",
                    postal_code="00-950",
                    city="Warszawa",
                    email=account.email,
                    registry_handle=f"{PREFIX.upper()}-{i}",
                )
                for i, account in enumerate(buyers)
            ],
        )
        domains = bulk(
            Domain,
            [
                Domain(
                    name=f"{PREFIX}-{i}.com",
                    tld=com,
                    sponsor=us,
                    registrant=profile,
                    statuses=["ok"],
                    created_at=now - timedelta(days=400),
                    expires_at=now + timedelta(days=300),
                )
                for i, profile in enumerate(profiles)
            ],
        )

    # The requests' e-mails are the relay's work and nobody's business here: their outbox
    # rows are written, their wake-ups held back.
    outbox.wake = lambda message_id, *, local=False: None
    transfers = [_open_transfer(f"{PREFIX}-in-{i}.com", account) for i, account in enumerate(buyers)]

    store = SandboxStore(sandbox_dir)
    seed_sandbox(store)
    for profile, domain in zip(profiles, domains, strict=True):
        store.add_contact(
            profile.registry_handle,
            sponsor=demo_data.US,
            name=f"{profile.first_name} {profile.last_name}",
            city=profile.city,
            country="PL",
            email=profile.email,
        )
        store.add_domain(
            domain.name,
            sponsor=demo_data.US,
            registrant=profile.registry_handle,
            authinfo=None,
            created_at=domain.created_at,
            expires_at=domain.expires_at,
        )
    people = [
        Person(a.username, "customer", d.pk, t.pk) for a, d, t in zip(buyers, domains, transfers, strict=True)
    ]
    return people + [Person(a.username, "staff") for a in accounts[customers:]]


def lock_states(people: list[Person], database, sandbox_dir: Path) -> list[dict]:
    """For each customer's domain: locked in our database, locked at the registry, and how
    many lock changes the history holds. ``database`` is a connection to the run's database
    (the caller's own settings point elsewhere)."""
    store = SandboxStore(sandbox_dir)
    (domain_type,) = database.execute(
        "SELECT id FROM django_content_type WHERE app_label = 'registry' AND model = 'domain'"
    ).fetchone()
    found = []
    for person in people:
        if person.role != "customer":
            continue
        name, statuses = database.execute(
            "SELECT name, statuses FROM registry_domain WHERE id = %s", (person.domain,)
        ).fetchone()
        (changes,) = database.execute(
            "SELECT count(*) FROM workflows_historyevent WHERE subject_type_id = %s AND subject_id = %s "
            "AND event_type = %s",
            (domain_type, str(person.domain), EventType.DOMAIN_TRANSFER_LOCK.value),
        ).fetchone()
        found.append(
            {
                "username": person.username,
                "ours": LOCK in (statuses or []),
                "registry": LOCK in store.domain(name).statuses,
                "changes": changes,
            }
        )
    return found
