"""The volume seed writes consistent data, and the busiest pages cost the same number of
queries whatever the size of the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assignments.models import Cesja, CesjaDomain
from benchmarks import pages as bench
from benchmarks.volume import seed_volume
from portal.views import QUEUE_PAGE_SIZE
from transfers.models import Transfer
from workflows import queues
from workflows.history import iter_chain_problems
from workflows.models import HistoryEvent

pytestmark = pytest.mark.django_db

# A month of requests rather than two years, and a reseller with a third of them, so that a
# small seed still fills the queue and every list the pages show.
SMALL = {"span": timedelta(days=30), "largest_share": 0.3}


def test_the_seed_writes_what_it_says_and_the_chain_holds() -> None:
    before = HistoryEvent.objects.count()
    report = seed_volume(requests=120, events=1000, seed=7, **SMALL)

    assert Transfer.objects.count() + Cesja.objects.count() == 120
    assert (report.transfers, report.cesje) == (Transfer.objects.count(), Cesja.objects.count())
    assert HistoryEvent.objects.count() - before == 1000 == report.events
    assert list(iter_chain_problems()) == []
    # Every cesja has its domain; closed requests have ended, open ones have not.
    assert CesjaDomain.objects.count() == report.cesje
    assert not Transfer.objects.open().filter(resolved_at__isnull=False).exists()
    assert (
        not Transfer.objects.exclude(pk__in=Transfer.objects.open()).filter(resolved_at__isnull=True).exists()
    )
    assert report.open_human_tasks > 0
    assert queues.team_tasks("domains", queues.QueueFilters(state="")).count() == report.open_human_tasks


def test_a_second_seed_adds_beside_the_first_and_the_chain_still_holds() -> None:
    seed_volume(requests=30, events=100, seed=1, **SMALL)
    seed_volume(requests=30, events=100, seed=1, **SMALL)
    assert Transfer.objects.count() + Cesja.objects.count() == 60
    assert list(iter_chain_problems()) == []


def test_the_command_refuses_a_database_with_requests_and_too_few_events() -> None:
    with pytest.raises(CommandError, match="at least twice"):
        call_command("seed_volume", requests=10, events=5)
    seed_volume(requests=5, events=10, **SMALL)
    with pytest.raises(CommandError, match="already holds requests"):
        call_command("seed_volume", requests=5, events=10)


def _queries_per_page() -> dict[str, int]:
    return {timing.page.label: timing.queries for timing in bench.measure(bench.pages(), runs=2, warmup=1)}


def _lists_are_filled() -> None:
    # An empty list would cost fewer queries and prove nothing: every page shows rows.
    largest = bench.people()["largest"]
    assert queues.team_tasks("domains", queues.QueueFilters(state="")).exists()
    assert Transfer.objects.filter(account=largest).exists()
    assert Cesja.objects.of_account(largest).exists()


def test_queries_per_page_do_not_grow_with_the_data() -> None:
    seed_volume(requests=200, events=1000, seed=3, **SMALL)
    _lists_are_filled()
    small = _queries_per_page()
    seed_volume(requests=900, events=6000, seed=4, **SMALL)
    _lists_are_filled()
    large = _queries_per_page()

    assert queues.team_tasks("domains", queues.QueueFilters(state="")).count() > QUEUE_PAGE_SIZE
    assert set(small) == set(large)
    grown = {label: (small[label], large[label]) for label in small if small[label] != large[label]}
    assert not grown, f"queries per page grew with the data: {grown}"
