"""Event types are a catalogue of labels, not the history column's choices: a new kind of
event needs no migration, and every page shows an event's label, or its raw type when the
catalogue does not know it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from workflows.history import iter_chain_problems, record_event
from workflows.models import Channel, EventType, HistoryEvent, event_label

pytestmark = pytest.mark.django_db

UNKNOWN = "billing.invoice_sent"  # a kind of event this release's catalogue does not have


@pytest.fixture
def two_events() -> dict[str, HistoryEvent]:
    return {
        "known": record_event(
            event_type=EventType.DOMAIN_UPDATED,
            summary="Zmieniono serwery nazw.",
            channel=Channel.SYSTEM,
            domain_name="kowalski.pl",
        ),
        "unknown": record_event(
            event_type=UNKNOWN, summary="Wysłano fakturę.", channel=Channel.SYSTEM, domain_name="kowalski.pl"
        ),
    }


def test_the_label_comes_from_the_catalogue_or_is_the_raw_value() -> None:
    with translation.override("en"):
        assert event_label(EventType.DOMAIN_UPDATED) == "domain changed"
        assert event_label("domain.updated") == "domain changed"
    with translation.override("pl"):
        assert event_label("domain.updated") == "zmiana domeny"
    assert event_label(UNKNOWN) == UNKNOWN
    assert event_label("") == ""


def test_the_column_has_no_choices_and_no_migration_is_pending() -> None:
    assert not HistoryEvent._meta.get_field("event_type").choices
    call_command("makemigrations", "workflows", check=True, dry_run=True, verbosity=0)


def test_an_event_of_an_unknown_type_is_recorded_and_chained(two_events) -> None:
    event = HistoryEvent.objects.get(pk=two_events["unknown"].pk)
    assert event.event_type == UNKNOWN
    assert event.event_label() == UNKNOWN
    assert two_events["known"].event_label() == EventType.DOMAIN_UPDATED.label
    assert UNKNOWN in str(event)
    assert list(iter_chain_problems()) == []


def test_the_pages_show_the_label_or_the_raw_type(client_for, auditor, two_events) -> None:
    client = client_for(auditor)
    search = client.get(reverse("audit:history_search")).content.decode()
    assert "zmiana domeny" in search
    assert UNKNOWN in search
    page = client.get(reverse("audit:history_event", args=[two_events["known"].pk])).content.decode()
    assert "zmiana domeny" in page
    page = client.get(reverse("audit:history_event", args=[two_events["unknown"].pk])).content.decode()
    assert UNKNOWN in page


def test_the_admin_lists_and_filters_by_label(admin_client, two_events) -> None:
    url = reverse("admin:workflows_historyevent_changelist")
    listing = admin_client.get(url)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "zmiana domeny" in page  # the panel's language
    assert UNKNOWN in page
    filtered = admin_client.get(url, {"event_type": EventType.DOMAIN_UPDATED})
    assert filtered.status_code == 200
    assert list(filtered.context["cl"].queryset) == [two_events["known"]]
