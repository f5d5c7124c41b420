"""What every part of the volume seed shares: the marks and sizes of a run, the report it
gives back, a request as planned, and writing rows in batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from accounts.models import User
from assignments.models import Cesja
from registry.models import Domain
from transfers.models import Transfer

# Accounts, domains and requests made by the seed carry this mark, so that they are easy to
# recognise and never mistaken for a real customer's.
PREFIX = "vol"
# Requests spread over this period back from now; the last few days hold the open ones.
SPAN = timedelta(days=730)
OPEN_WINDOW = timedelta(days=12)
# One customer stands for a reseller: this share of all requests is theirs, which makes
# their request list the longest one a page has to show.
LARGEST_CUSTOMER_SHARE = 0.02
BATCH = 5000
# Nobody logs in to a seeded account with a password; the benchmark logs in by session.
NO_PASSWORD = make_password(None)

WORDS = [
    "sklep",
    "piekarnia",
    "auto",
    "kwiaty",
    "serwis",
    "biuro",
    "studio",
    "dom",
    "ogrod",
    "meble",
    "zdrowie",
]


@dataclass
class VolumeReport:
    customers: int = 0
    domains: int = 0
    transfers: int = 0
    cesje: int = 0
    processes: int = 0
    tasks: int = 0
    open_human_tasks: int = 0
    events: int = 0
    largest_customer: str = ""
    typical_customer: str = ""
    staff: dict[str, str] = field(default_factory=dict)


@dataclass
class PlannedRequest:
    kind: str  # "in", "out", "cesja"
    obj: Transfer | Cesja
    created: datetime
    end: datetime
    closed: bool
    customer: User
    domain: Domain
    domain_name: str


def bulk(model, rows: list, batch_size: int = BATCH) -> list:
    created = []
    for offset in range(0, len(rows), batch_size):
        created.extend(model.objects.bulk_create(rows[offset : offset + batch_size]))
    return created
