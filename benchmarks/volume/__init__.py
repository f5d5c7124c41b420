"""A registrar's worth of data: customers, domains, transfers, cesje, their workflow
processes and tasks, and a history log of chained events, written in bulk.

It is what the page benchmarks measure against, and what the tests use to show that a
page costs the same number of queries however much data there is. The rows are the real
models, written the way the services would have left them (a closed request has its
process finished and its last event saying how it ended); only the route there is
shortened. The events are chained to the existing log exactly as ``record_event`` would
chain them, so ``verify_history`` holds on a seeded database.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from workflows.models import HistoryEvent

from .common import (
    BATCH,
    LARGEST_CUSTOMER_SHARE,
    NO_PASSWORD,
    OPEN_WINDOW,
    PREFIX,
    SPAN,
    WORDS,
    VolumeReport,
)
from .events import seed_events
from .people import CITIES, FIRST_NAMES, LAST_NAMES, seed_people
from .processes import seed_processes
from .requests import seed_requests

__all__ = [
    "BATCH",
    "CITIES",
    "FIRST_NAMES",
    "LAST_NAMES",
    "LARGEST_CUSTOMER_SHARE",
    "NO_PASSWORD",
    "OPEN_WINDOW",
    "PREFIX",
    "SPAN",
    "WORDS",
    "VolumeReport",
    "seed_volume",
]


def seed_volume(
    *,
    requests: int,
    events: int,
    seed: int = 2026,
    now: datetime | None = None,
    span: timedelta = SPAN,
    largest_share: float = LARGEST_CUSTOMER_SHARE,
    progress: Callable[[str], None] | None = None,
) -> VolumeReport:
    """Add ``requests`` transfers and cesje and ``events`` history events (at least two per
    request) to the database, started over ``span`` back from now. Running it again adds
    another batch beside the first."""
    if events < 2 * requests:
        raise ValueError("Every request needs at least two events: the start and the latest step.")
    say = progress or (lambda _text: None)
    rng = random.Random(seed)
    now = now or timezone.now()
    report = VolumeReport()
    run = f"{PREFIX}{seed}x{HistoryEvent.objects.count()}"

    with transaction.atomic():
        say("people")
        domain_staff, customers, registrants = seed_people(run, requests, rng, report)
        planned = seed_requests(
            run,
            requests,
            customers=customers,
            registrants=registrants,
            now=now,
            span=span,
            largest_share=largest_share,
            rng=rng,
            report=report,
            say=say,
        )

        say("processes and tasks")
        seed_processes(planned, domain_staff, rng, report)

        say("events")
        seed_events(planned, events, domain_staff, rng, report, progress=say)
    return report
