"""Registry messages we could not process, before the domains team: listed for them, for
supervisors and auditors (never for customers or other teams), linked from their pages, and
marked handled with a note that is kept, with its history event."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from transfers.models import UnprocessedPollMessage
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

pytestmark = pytest.mark.django_db

LIST = reverse("domains:registry_messages")


@pytest.fixture
def kept() -> UnprocessedPollMessage:
    """What the poll round keeps of a message it could not read."""
    return UnprocessedPollMessage.objects.create(
        registrar_client_id="regflow",
        msg_id="4711",
        queued_at=timezone.now(),
        text="Transfer requested.",
        frame='<epp><response><msgQ id="4711"/><domain:pw>[redacted]</domain:pw></response></epp>',
        stage=UnprocessedPollMessage.Stage.READ,
        error="the resData cannot be read: the trStatus is not one RFC 5731 defines",
        acked_at=timezone.now(),
    )


def detail(message: UnprocessedPollMessage) -> str:
    return reverse("domains:registry_message", args=[message.pk])


def test_the_domains_team_reads_the_message_and_marks_it_handled(kept, staff_user, client_for):
    staff = staff_user(Team.DOMAINS)
    client = client_for(staff)
    listed = client.get(LIST).content.decode()
    assert "Nieprzetworzone komunikaty rejestru" in listed and detail(kept) in listed
    page = client.get(detail(kept)).content.decode()
    assert "trStatus" in page and "[redacted]" in page and 'name="note"' in page

    # An empty note is refused and the message stays open.
    assert client.post(detail(kept), {"note": "  "}).status_code == 200
    assert UnprocessedPollMessage.objects.get(pk=kept.pk).handled_at is None

    note = "Checked at the registry: the transfer is pending; opened it by hand."
    assert client.post(detail(kept), {"note": note}).status_code == 302
    kept.refresh_from_db()
    assert kept.handled_by == staff and kept.handled_at is not None and kept.note == note
    event = HistoryEvent.objects.get(event_type=EventType.REGISTRY_POLL_HANDLED)
    assert event.actor == staff and event.channel == Channel.WEB and event.reason == note
    assert event.subject_id == str(kept.pk) and event.data["msg_id"] == "4711"
    # Kept, not deleted: among the handled, with the note; a second note is refused.
    assert UnprocessedPollMessage.objects.filter(pk=kept.pk).exists()
    assert note in client.get(detail(kept)).content.decode()
    client.post(detail(kept), {"note": "again"})
    assert UnprocessedPollMessage.objects.get(pk=kept.pk).note == note
    assert HistoryEvent.objects.filter(event_type=EventType.REGISTRY_POLL_HANDLED).count() == 1


def test_supervisors_and_auditors_read_it_without_handling_it(kept, supervisor, auditor, client_for):
    for person in (supervisor, auditor):
        client = client_for(person)
        assert client.get(LIST).status_code == 200
        page = client.get(detail(kept))
        assert page.status_code == 200 and 'name="note"' not in page.content.decode()
        assert client.post(detail(kept), {"note": "done"}).status_code == 403
    assert UnprocessedPollMessage.objects.get(pk=kept.pk).handled_at is None


def test_customers_and_other_teams_may_not_see_it(kept, customer_a, staff_user, client_for):
    for person in (customer_a, staff_user(Team.BILLING)):
        client = client_for(person)
        assert client.get(LIST).status_code == 403
        assert client.get(detail(kept)).status_code == 403
        assert client.post(detail(kept), {"note": "done"}).status_code == 403


def test_linked_where_the_domains_team_finds_its_work(kept, staff_user, supervisor, client_for):
    domains = client_for(staff_user(Team.DOMAINS)).get(reverse("home")).content.decode()
    assert f'href="{LIST}"' in domains and "1 komunikat rejestru nie dał się przetworzyć" in domains
    billing = client_for(staff_user(Team.BILLING)).get(reverse("home")).content.decode()
    assert f'href="{LIST}"' not in billing
    assert f'href="{LIST}"' in client_for(supervisor).get(reverse("home")).content.decode()
    # Handled, it no longer waits on the team's home page.
    UnprocessedPollMessage.objects.filter(pk=kept.pk).update(handled_at=timezone.now(), note="x")
    domains = client_for(staff_user(Team.DOMAINS)).get(reverse("home")).content.decode()
    assert "rejestru nie dał" not in domains and f'href="{LIST}"' in domains
