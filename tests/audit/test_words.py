"""History as people read it: states by their labels, people by name, "System" once, values in
words; in the auditor's pages and in every case's timeline."""

from __future__ import annotations

import re

import idna
import pytest
from django.urls import reverse
from django.utils import translation

from assignments import services
from assignments.kind import CESJE
from assignments.models import Reason, Side, State
from assignments.services.checks import as_domains
from registry.models import Domain
from tests.visible import visible_text
from workflows.errors import Refused
from workflows.history import record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team


def _state_event(cesja) -> HistoryEvent:
    return HistoryEvent.objects.for_object(cesja).filter(changes__has_key="state").order_by("id").last()


@pytest.fixture
def system_step(audit_world) -> HistoryEvent:
    """A step the product took by itself, on the cesja."""
    return record_event(
        event_type=EventType.CESJA_REMINDER,
        summary="Przypomnienie wysłane.",
        channel=Channel.SYSTEM,
        subject=audit_world.cesja,
    )


def test_timelines_name_people_and_say_system_once(
    audit_world, system_step, client_for, staff_user, customer_a
) -> None:
    cesja = audit_world.cesja
    for client, url in (
        (client_for(customer_a), reverse("assignments:detail", args=[cesja.pk])),
        (client_for(staff_user(Team.DOMAINS)), reverse("assignments:verify", args=[cesja.pk])),
    ):
        text = visible_text(client.get(url).content.decode())
        assert "Jan Kowalski · WWW" in text and "Anna Nowak · WWW" in text
        assert "(customer)" not in text and "jan.kowalski (" not in text
        assert "System" in text and "system · system" not in text.lower()


def test_the_event_page_shows_a_state_change_in_words(audit_world, client_for, auditor) -> None:
    event = _state_event(audit_world.cesja)
    before, after = event.changes["state"]
    text = visible_text(
        client_for(auditor).get(reverse("audit:history_event", args=[event.pk])).content.decode()
    )
    with translation.override("pl"):
        assert str(State(after).label) in text
        if before:
            assert str(State(before).label) in text
    assert after not in text.split() and event.event_type not in text
    assert "Stan" in text
    assert "jan.kowalski (customer)" not in text and "anna.nowak (customer)" not in text


def test_a_new_registrant_is_shown_by_name(audit_world, client_for, auditor, registrant_b) -> None:
    old = audit_world.registrant
    event = record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary="Domena ma nowego abonenta.",
        channel=Channel.SYSTEM,
        subject=audit_world.domain,
        domain_name=audit_world.domain.name,
        changes={"registrant": [old.pk, registrant_b.pk]},
    )
    text = visible_text(
        client_for(auditor).get(reverse("audit:history_event", args=[event.pk])).content.decode()
    )
    assert f"{old.display_name}" in text and f"{registrant_b.display_name}" in text
    assert "Abonent" in text
    assert "registrant" not in text
    # What the system did names "System" once, with no channel after it.
    assert "System" in text and "system · system" not in text.lower()


def test_the_request_record_lists_changes_in_words(audit_world, client_for, auditor) -> None:
    cesja = audit_world.cesja
    page = client_for(auditor).get(reverse("audit:request", args=[f"cesja-{cesja.pk}"])).content.decode()
    text = visible_text(page)
    for raw in ("awaiting_party", "awaiting_documents", "in_verification", "(customer)"):
        assert raw not in text
    with translation.override("pl"):
        assert str(State.IN_VERIFICATION.label) in text


POLISH_MOMENT = re.compile(
    r"\b\d{1,2} (stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października"
    r"|listopada|grudnia) \d{4}, \d{2}:\d{2}\b"
)
ENGLISH_MOMENT = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4}, \d{2}:\d{2}\b"
)
# Any other way of writing a date: ISO, numeric day-month-year, American month-first.
OTHER_DATES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[-./]\d{1,2}[-./]\d{4}\b"
    r"|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}, \d{4}"
)


def _pages(audit_world, staff, customer, reader) -> list[tuple[object, str]]:
    cesja = audit_world.cesja
    event = _state_event(cesja)
    return [
        (staff, reverse("home")),
        (staff, reverse("assignments:verify", args=[cesja.pk])),
        (customer, reverse("assignments:detail", args=[cesja.pk])),
        (customer, reverse("transfers:detail", args=[audit_world.transfer.pk])),
        (reader, reverse("audit:history_search")),
        (reader, reverse("audit:history_event", args=[event.pk])),
        (reader, reverse("audit:request", args=[f"cesja-{cesja.pk}"])),
    ]


@pytest.mark.parametrize(("language", "moment"), [("pl", POLISH_MOMENT), ("en", ENGLISH_MOMENT)])
def test_one_date_format_per_language_on_every_page(
    audit_world, language, moment, client_for, staff_user, customer_a, auditor
) -> None:
    staff = staff_user(Team.DOMAINS)
    for person in (staff, customer_a, auditor):
        person.language = language
        person.save(update_fields=["language"])
    clients = {person.pk: client_for(person) for person in (staff, customer_a, auditor)}
    for person, url in _pages(audit_world, staff, customer_a, auditor):
        text = visible_text(clients[person.pk].get(url).content.decode())
        assert moment.search(text), f"{url}: no date in the {language} format"
        assert not OTHER_DATES.search(text), f"{url}: {OTHER_DATES.search(text).group(0)!r}"


def test_domains_read_as_u_labels_in_history_lines_and_refusals(
    cesja_world, customer_a, customer_b, registrant_a, client_for, auditor
) -> None:
    domain = cesja_world.domain(registrant_a)
    unicode_name = f"żółtyrower-{domain.name.split('.')[0][-6:]}.pl"
    idn = idna.encode(unicode_name).decode()
    # Renamed here and at the registry alike: a cesja starts only for a domain the registry
    # holds as we do.
    with cesja_world.sandbox.store.transaction() as db:
        db.execute("UPDATE domain SET name = ? WHERE name = ?", (idn, domain.name))
    Domain.objects.filter(pk=domain.pk).update(name=idn)
    domain.refresh_from_db()
    cesja = services.start_cesja(
        initiator=customer_a,
        side=Side.CEDENT,
        domains=[domain],
        cedent_registrant=registrant_a,
        other_party_email=customer_b.email,
        reason=Reason.DOMAIN_SALE,
        actor=customer_a,
        channel=Channel.WEB,
    )
    started = HistoryEvent.objects.for_object(cesja).order_by("id").first()
    assert unicode_name in started.summary and "xn--" not in started.summary
    text = visible_text(client_for(auditor).get(reverse("audit:history_search")).content.decode())
    assert unicode_name in text and "xn--" not in text
    # A domain typed as its A-label and not held with us is named as people write it.
    with pytest.raises(Refused) as refused:
        as_domains(["xn--dugie-zielone-whc.pl"])
    assert "długie-zielone.pl" in str(refused.value)


def test_a_conflict_names_who_moved_the_case_on_by_name(audit_world) -> None:
    with translation.override("pl"):
        message = str(CESJE.conflict(audit_world.cesja))
    assert "Jan Kowalski" in message and "(customer)" not in message


def test_the_event_list_finds_a_person_by_the_name_it_shows(audit_world, client_for, auditor) -> None:
    response = client_for(auditor).get(reverse("audit:history_search"), {"actor": "Jan Kowalski"})
    events = list(response.context["page"].object_list)
    assert events and {event.actor_id for event in events} == {audit_world.customer.pk}
