"""The read-only history: search, paging, the event page with its hashes, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.selectors import HistoryFilters, search_history
from audit.views import HISTORY_PAGE_SIZE
from workflows import paging
from workflows.guard import history_guard_lifted
from workflows.history import record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.readable import ReadableChange
from workflows.roles import Team

pytestmark = pytest.mark.django_db

SEARCH = reverse("audit:history_search")


@pytest.fixture
def events(customer_a, staff_user) -> dict[str, HistoryEvent]:
    """A small history: a few kinds of event, actors, channels and domains, all about one
    customer, so that they make one chain in this order."""
    clerk = staff_user(Team.DOMAINS)
    return {
        "domain": record_event(
            event_type=EventType.DOMAIN_UPDATED,
            summary="Zmieniono serwery nazw.",
            actor=clerk,
            channel=Channel.PHONE,
            domain_name="xn--tyrower-k0a52e8r.pl",
            reason="Prośba abonenta przez telefon.",
            changes={"nameservers": [["ns1.old.pl"], ["ns1.new.pl"]]},
            data={"call_id": "T-17"},
            subject=customer_a,
        ),
        "poll": record_event(
            event_type=EventType.REGISTRY_POLL,
            summary="Komunikat z rejestru.",
            channel=Channel.SYSTEM,
            domain_name="kowalski.pl",
            subject=customer_a,
        ),
        "language": record_event(
            event_type=EventType.USER_LANGUAGE_CHANGED,
            summary="Zmiana języka.",
            actor=customer_a,
            changes={"language": ["pl", "en"]},
            subject=customer_a,
        ),
    }


def ids(response) -> list[int]:
    return [event.pk for event in response.context["page"].object_list]


def test_newest_first(client_for, auditor, events) -> None:
    response = client_for(auditor).get(SEARCH)
    found = ids(response)
    assert found == sorted(found, reverse=True)
    assert {e.pk for e in events.values()} <= set(found)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"domain": "żółtyrower.pl"}, ["domain"]),
        ({"domain": "xn--tyrower"}, ["domain"]),
        ({"domain": "kowalski"}, ["poll"]),
        ({"actor": "system"}, ["poll"]),
        ({"actor": "jan.kowalski", "event_type": EventType.USER_LANGUAGE_CHANGED}, ["language"]),
        ({"event_type": EventType.DOMAIN_UPDATED}, ["domain"]),
        ({"channel": Channel.PHONE}, ["domain"]),
        ({"channel": Channel.SYSTEM, "domain": "kowalski.pl"}, ["poll"]),
    ],
)
def test_filters(client_for, auditor, events, params: dict, expected: list[str]) -> None:
    response = client_for(auditor).get(SEARCH, params)
    assert ids(response) == [events[name].pk for name in expected]


def test_actor_filter_matches_the_username(client_for, auditor, events, customer_a) -> None:
    response = client_for(auditor).get(SEARCH, {"actor": "JAN.KOWALSKI"})
    assert {event.actor_id for event in response.context["page"].object_list} == {customer_a.pk}


def test_date_range_covers_whole_local_days(client_for, auditor, customer_a) -> None:
    local = timezone.get_current_timezone()
    early = record_event(event_type=EventType.DOMAIN_SYNCED, summary="a", channel=Channel.SYSTEM)
    response = client_for(auditor).get(
        SEARCH, {"date_from": early.occurred_at.astimezone(local).date().isoformat()}
    )
    assert early.pk in ids(response)
    yesterday = (early.occurred_at.astimezone(local) - timedelta(days=1)).date().isoformat()
    response = client_for(auditor).get(SEARCH, {"date_from": yesterday, "date_to": yesterday})
    assert ids(response) == []
    today = early.occurred_at.astimezone(local).date().isoformat()
    response = client_for(auditor).get(SEARCH, {"date_from": today, "date_to": today})
    assert early.pk in ids(response)


def test_period_ending_before_it_starts_is_explained(client_for, auditor) -> None:
    response = client_for(auditor).get(SEARCH, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.context["form"].errors["date_to"] == [
        "Koniec okresu jest wcześniejszy niż jego początek."
    ]


def test_paging(client_for, auditor) -> None:
    for number in range(HISTORY_PAGE_SIZE + 5):
        record_event(event_type=EventType.DOMAIN_SYNCED, summary=f"sync {number}", channel=Channel.SYSTEM)
    client = client_for(auditor)
    first = client.get(SEARCH, {"channel": Channel.SYSTEM})
    assert len(ids(first)) == HISTORY_PAGE_SIZE
    assert "page=2" in first.content.decode()
    second = client.get(SEARCH, {"channel": Channel.SYSTEM, "page": 2})
    assert len(ids(second)) == 5
    assert set(ids(first)).isdisjoint(ids(second))


def test_a_long_list_is_counted_only_so_far_and_still_pages_on(client_for, auditor, monkeypatch) -> None:
    # Counting stops a page past the page asked for (forty pages in production).
    monkeypatch.setattr(paging, "COUNT_CAP", HISTORY_PAGE_SIZE)
    for number in range(3 * HISTORY_PAGE_SIZE):
        record_event(event_type=EventType.DOMAIN_SYNCED, summary=f"sync {number}", channel=Channel.SYSTEM)
    client = client_for(auditor)
    first = client.get(SEARCH, {"channel": Channel.SYSTEM})
    assert len(ids(first)) == HISTORY_PAGE_SIZE
    assert first.context["page"].paginator.more
    assert first.context["page"].paginator.count == 2 * HISTORY_PAGE_SIZE
    text = " ".join(first.content.decode().split())
    assert f"1–{HISTORY_PAGE_SIZE} z ponad {2 * HISTORY_PAGE_SIZE}" in text
    assert "page=2" in text
    # Further on, the count moves along: every page can be reached and the count is exact
    # once the end is within reach.
    second = client.get(SEARCH, {"channel": Channel.SYSTEM, "page": 2})
    assert not second.context["page"].paginator.more
    assert second.context["page"].paginator.count == 3 * HISTORY_PAGE_SIZE
    assert "page=3" in second.content.decode()
    third = client.get(SEARCH, {"channel": Channel.SYSTEM, "page": 3})
    assert len(ids(third)) == HISTORY_PAGE_SIZE
    assert len(set(ids(first)) | set(ids(second)) | set(ids(third))) == 3 * HISTORY_PAGE_SIZE


def test_a_domain_fragment_is_found_on_postgresql_through_the_trigram_index(events) -> None:
    """A fragment of a name finds its events. On PostgreSQL the search can use the name's
    trigram index (with sequential scans ruled out, a query the index cannot answer still
    reads the table); SQLite has no such index and reads the table."""
    found = search_history(HistoryFilters(domain="tyrow"))
    assert [event.pk for event in found] == [events["domain"].pk]
    if connection.vendor != "postgresql":
        return
    sql, params = found.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "history_domain_trgm" in plan, plan


def test_event_page_shows_everything(client_for, auditor, events) -> None:
    event = events["domain"]
    response = client_for(auditor).get(reverse("audit:history_event", args=[event.pk]))
    page = response.content.decode()
    assert event.hash in page
    assert event.prev_hash in page
    assert f"{event.chain}, miejsce 1" in page
    assert "Prośba abonenta przez telefon." in page
    assert "ns1.old.pl" in page and "ns1.new.pl" in page
    assert "T-17" in page
    assert "telefon" in page
    # The field by its name and the values as words, not as stored.
    assert response.context["changes"] == [
        ReadableChange(field="serwery nazw", before="ns1.old.pl", after="ns1.new.pl")
    ]
    chain = response.context["chain"]
    assert chain.content_matches and chain.links_to_previous
    assert chain.previous is None
    assert chain.following == events["poll"]


def test_event_page_shows_a_broken_link(client_for, auditor, events) -> None:
    # Someone removed the event before this one behind the application's back.
    # The database refuses that (workflows.guard): it takes lifting the guard, as an owner could.
    with history_guard_lifted():
        HistoryEvent.objects.filter(pk=events["poll"].pk)._raw_delete(HistoryEvent.objects.db)
    response = client_for(auditor).get(reverse("audit:history_event", args=[events["language"].pk]))
    assert response.context["chain"].links_to_previous is False
    assert "NIE łączy się z poprzednim zdarzeniem" in response.content.decode()


def test_unknown_event_is_not_found(client_for, auditor) -> None:
    assert client_for(auditor).get(reverse("audit:history_event", args=[999999])).status_code == 404


def test_export_is_the_filtered_search_as_csv(client_for, supervisor, events) -> None:
    response = client_for(supervisor).get(reverse("audit:history_export"), {"channel": Channel.PHONE})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="regflow-history-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "occurred_at", "actor", "channel", "event_type"]
    assert [row[0] for row in rows[1:]] == [str(events["domain"].pk)]
    assert rows[1][-4:] == [events["domain"].chain, "1", events["domain"].prev_hash, events["domain"].hash]


def test_history_pages_are_read_only(client_for, auditor, events) -> None:
    client = client_for(auditor)
    for url in (
        SEARCH,
        reverse("audit:history_event", args=[events["domain"].pk]),
        reverse("audit:history_export"),
    ):
        assert client.post(url, {"domain": "x"}).status_code == 405
