"""Latency of the busiest pages, measured through Django's whole request path.

Each page is requested by the person who would open it (staff of the domains team, the
customer with the most requests and a typical one, an auditor), through the middleware,
the view, the database and the template, in this process: what is left out is the web
server and the network. Times are wall-clock; the number of queries comes from one
extra request per page.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Registrant, User
from transfers.models import Transfer
from workflows.models import EventType
from workflows.roles import Role, Team


@dataclass(frozen=True)
class Page:
    group: str
    label: str
    user: User
    url: str


@dataclass(frozen=True)
class Timing:
    page: Page
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    bytes: int


def _p95(samples: list[float]) -> float:
    # The 95th percentile by the inclusive method: for 40 runs it lies between the 38th and 39th.
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def people() -> dict[str, User]:
    staff = (
        User.objects.filter(role=Role.STAFF, team=Team.DOMAINS, is_active=True)
        .annotate(held=Count("task"))
        .order_by("-held", "pk")
        .first()
    )
    customers = (
        User.objects.filter(role=Role.CUSTOMER).annotate(requests=Count("transfers")).filter(requests__gt=0)
    )
    largest = customers.order_by("-requests", "pk").first()
    typical = customers.filter(requests__gte=3, requests__lte=6).order_by("pk").first() or largest
    auditor = User.objects.filter(role=Role.AUDITOR, is_active=True).order_by("pk").first()
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    missing = [
        name
        for name, person in {
            "domains staff": staff,
            "customer with requests": largest,
            "auditor": auditor,
            "supervisor": supervisor,
        }.items()
        if person is None
    ]
    if missing:
        raise LookupError(f"The database has no {', '.join(missing)}: seed it first (manage.py seed_volume).")
    return {
        "staff": staff,
        "largest": largest,
        "typical": typical,
        "auditor": auditor,
        "supervisor": supervisor,
    }


def pages() -> list[Page]:
    """The pages measured, with search terms taken from the data so that they find something."""
    who = people()
    sample = Transfer.objects.filter(registrant__isnull=False).order_by("pk")[Transfer.objects.count() // 2]
    organisation = Registrant.objects.filter(nip__gt="").order_by("pk").first()
    fragment = sample.domain_name.split("-")[0]
    search = reverse("audit:search")
    event_search = reverse("audit:history_search")
    today = timezone.localdate()
    month_ago = today - timedelta(days=30)

    def audit(label: str, **query: str) -> Page:
        return Page(
            "auditor's search", label, who["auditor"], f"{search}?{urlencode(query)}" if query else search
        )

    def history(label: str, **query: str) -> Page:
        return Page(
            "event history",
            label,
            who["auditor"],
            f"{event_search}?{urlencode(query)}" if query else event_search,
        )

    return [
        Page("queue", "domains team queue (staff home)", who["staff"], reverse("home")),
        Page("queue", "queue, overdue only", who["staff"], reverse("home") + "?state=all&deadline=overdue"),
        Page("queue", "queue, page 3", who["staff"], reverse("home") + "?state=all&page=3"),
        Page("queue", "supervisor home (workload, charts)", who["supervisor"], reverse("home")),
        Page(
            "customer's requests",
            "largest customer: all transfers",
            who["largest"],
            reverse("my_transfers"),
        ),
        Page(
            "customer's requests",
            "largest customer: transfers, page 20",
            who["largest"],
            reverse("my_transfers") + "?page=20",
        ),
        Page("customer's requests", "largest customer: domains", who["largest"], reverse("my_domains")),
        Page("customer's requests", "largest customer: cesje", who["largest"], reverse("my_cesje")),
        Page("customer's requests", "largest customer: home", who["largest"], reverse("home")),
        Page("customer's requests", "typical customer: home", who["typical"], reverse("home")),
        audit("no filter (newest first)"),
        audit("domain, full name", domain=sample.domain_name),
        audit("domain, fragment", domain=fragment),
        audit("party name", party=sample.registrant.display_name.split()[-1]),
        audit("identifier (NIP)", identifier=organisation.nip if organisation else "0000000000"),
        audit("staff member", staff=who["staff"].username),
        audit("state: completed", state="completed"),
        audit("channel: phone", channel="phone"),
        audit("date range, one month", date_from=month_ago.isoformat(), date_to=today.isoformat()),
        audit("kind + state + channel", kind="transfer", state="completed", channel="chat"),
        history("no filter (newest first)"),
        history("domain, full name", domain=sample.domain_name),
        history("domain, fragment", domain=fragment),
        history("who: staff member", actor=who["staff"].username),
        history("who: staff member's name", actor=who["staff"].get_full_name()),
        history("who: system", actor="system"),
        history("event type + channel", event_type=EventType.REGISTRY_POLL, channel="system"),
        history("date range, one month", date_from=month_ago.isoformat(), date_to=today.isoformat()),
    ]


def measure(
    page_list: list[Page],
    *,
    runs: int = 40,
    warmup: int = 3,
    progress: Callable[[Timing], None] | None = None,
) -> list[Timing]:
    """Request every page ``warmup`` times untimed, then ``runs`` times timed."""
    host = (
        settings.ALLOWED_HOSTS[0]
        if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] != "*"
        else "localhost"
    )
    results = []
    for page in page_list:
        client = Client(HTTP_HOST=host)
        client.force_login(page.user)
        for _ in range(warmup):
            _fetch(client, page)
        # Counted by a wrapper: the test client's request_started signal empties connection.queries.
        counter = _QueryCounter()
        with connection.execute_wrapper(counter):
            size = len(_fetch(client, page).content)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            _fetch(client, page)
            samples.append((time.perf_counter() - started) * 1000)
        timing = Timing(
            page=page,
            runs=runs,
            p50_ms=statistics.median(samples),
            p95_ms=_p95(samples),
            max_ms=max(samples),
            queries=counter.count,
            bytes=size,
        )
        results.append(timing)
        if progress:
            progress(timing)
    return results


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _fetch(client: Client, page: Page):
    response = client.get(page.url)
    if response.status_code != 200:
        raise RuntimeError(f"{page.label}: {page.url} answered {response.status_code}")
    return response
