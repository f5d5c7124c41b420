"""Every copy taken of a case's document is in the case's record: who, when, which file."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assignments import selectors as cesja_selectors
from audit import selectors as audit_selectors
from workflows.models import EventType, HistoryEvent

from .test_readonly import changed, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def _downloads():
    return HistoryEvent.objects.filter(event_type=EventType.DOCUMENT_DOWNLOADED).order_by("id")


def test_a_download_is_recorded_against_the_case(audit_world, client_for, staff_user) -> None:
    clerk = staff_user()
    response = client_for(clerk).get(reverse("documents:download_received", args=[audit_world.received.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)

    (event,) = _downloads()
    assert (event.actor, event.channel, event.subject_id) == (clerk, "web", str(audit_world.cesja.pk))
    assert event.data["sha256"] == audit_world.received.sha256
    assert (event.data["document"], event.data["document_id"]) == ("received", audit_world.received.pk)
    assert clerk.username in event.summary

    # The auditor's record of the cesja shows it; the cesja's own story does not.
    row = audit_selectors.request_by_ref(f"cesja-{audit_world.cesja.pk}")
    assert event in audit_selectors.request_record(row).events
    assert EventType.DOCUMENT_DOWNLOADED not in {
        e.event_type for e in cesja_selectors.timeline(audit_world.cesja)
    }


def test_a_generated_form_download_is_recorded_too(audit_world, client_for, customer_a) -> None:
    url = reverse("documents:download_generated", args=[audit_world.generated.pk])
    assert client_for(customer_a).get(url).status_code == 200
    (event,) = _downloads()
    assert (event.actor, event.data["document"], event.data["sha256"]) == (
        customer_a,
        "generated",
        audit_world.generated.sha256,
    )


def test_head_and_refused_requests_record_nothing(audit_world, client_for, staff_user) -> None:
    from tests.fixtures.people import make_user

    received = reverse("documents:download_received", args=[audit_world.received.pk])
    assert client_for(staff_user()).head(received).status_code == 200
    # A customer who is no party to the cesja is told the document does not exist.
    outsider = make_user("klient.obcy", "customer")
    assert client_for(outsider).get(received).status_code == 404
    assert not _downloads().exists()


def test_an_auditors_download_writes_only_its_own_record(audit_world, client_for, auditor) -> None:
    client = client_for(auditor)
    client.get(reverse("home"))
    before = snapshot()
    response = client.get(reverse("documents:download_received", args=[audit_world.received.pk]))
    assert response.status_code == 200
    # Besides the record, only the auditor's own session row may be rewritten.
    assert (
        {"workflows_historyevent", "workflows_historychainhead"}
        <= set(changed(before, snapshot()))
        <= {
            "workflows_historyevent",
            "workflows_historychainhead",
            "django_session",
        }
    )
    assert [(e.actor, e.event_type) for e in _downloads()] == [(auditor, EventType.DOCUMENT_DOWNLOADED)]
