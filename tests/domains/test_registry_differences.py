"""Our record of a domain against the registry's: compared before a code is issued or a cesja
starts and on a periodic round; a difference is recorded and put before the domains team."""

from __future__ import annotations

import json

from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from assignments.models import Reason, Side
from assignments.services import start_cesja
from domains.comparison import compare_round
from domains.models import RegistryDifference
from domains.services import issue_authinfo
from registry.models import RegistrantBasis
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team, team_permission

from .test_registrant import annas_contact, refused


def change_at_registry(world, name: str, **columns) -> None:
    """What another party did at the registry behind our back."""
    with world.sandbox.store.transaction() as db:
        for column, value in columns.items():
            db.execute(f"UPDATE domain SET {column} = ? WHERE name = ?", (value, name))  # noqa: S608


def open_task(difference: RegistryDifference) -> Task:
    return Task.objects.get(
        process__artifact_object_id=difference.pk,
        flow_task_type="HUMAN",
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )


def test_another_registrant_at_the_registry_stops_the_code_and_reaches_the_domains_team(
    transfer_world, customer_a, registrant_a, staff_user, client_for
):
    domain = transfer_world.outgoing_domain(registrant_a)
    change_at_registry(transfer_world, domain.name, registrant=annas_contact(transfer_world))

    message = refused(lambda: issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB))
    assert "innego abonenta" in message
    assert transfer_world.sandbox.store.domain(domain.name).authinfo_hash is None  # nothing was set
    domain.refresh_from_db()
    assert domain.registrant_basis == RegistrantBasis.UNCONFIRMED and not domain.registrant_is_verified
    event = HistoryEvent.objects.for_object(domain).get(event_type=EventType.DOMAIN_REGISTRY_DIFFERENCE)
    assert event.changes["registrant"][0] == registrant_a.registry_handle
    difference = RegistryDifference.objects.get(domain=domain, resolved_at__isnull=True)
    task = open_task(difference)
    assert task.owner_permission == team_permission(Team.DOMAINS)

    # On the team's home page, linked to the difference.
    staff = staff_user(Team.DOMAINS)
    page = client_for(staff).get(reverse("domains:difference", args=[difference.pk]))
    assert page.status_code == 200 and registrant_a.registry_handle in page.content.decode()
    # Another team's staff read it but cannot close it.
    other = client_for(staff_user(Team.BILLING))
    assert (
        other.post(reverse("domains:difference", args=[difference.pk]), {"resolution": "x"}).status_code
        == 403
    )
    # An empty note is refused and keeps the task open.
    client = client_for(staff)
    assert (
        client.post(reverse("domains:difference", args=[difference.pk]), {"resolution": " "}).status_code
        == 200
    )
    assert RegistryDifference.objects.get(pk=difference.pk).resolved_at is None

    response = client.post(
        reverse("domains:difference", args=[difference.pk]),
        {"resolution": "The customer sold it at the previous registrar; asked for a cesja."},
    )
    assert response.status_code == 302
    difference.refresh_from_db()
    assert difference.resolved_by == staff and difference.resolved_at is not None
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    checked = HistoryEvent.objects.for_object(domain).get(
        event_type=EventType.DOMAIN_REGISTRY_DIFFERENCE_CHECKED
    )
    assert checked.actor == staff and "cesja" in checked.reason


def test_a_cesja_does_not_start_for_a_domain_the_registry_holds_otherwise(
    transfer_world, customer_a, registrant_a, organisation_a
):
    domain = transfer_world.outgoing_domain(registrant_a)
    change_at_registry(transfer_world, domain.name, registrant=annas_contact(transfer_world))
    refused(
        lambda: start_cesja(
            initiator=customer_a,
            side=Side.CEDENT,
            domains=[domain],
            cedent_registrant=registrant_a,
            cesjonariusz_registrant=organisation_a,
            reason=Reason.DOMAIN_SALE,
            actor=customer_a,
            channel=Channel.WEB,
        )
    )
    assert RegistryDifference.objects.filter(domain=domain, found_by="cesja").exists()


def test_the_round_records_statuses_and_expiry_the_registry_changed(transfer_world, registrant_a):
    domain = transfer_world.outgoing_domain(registrant_a)
    same = transfer_world.outgoing_domain(registrant_a)
    change_at_registry(
        transfer_world,
        domain.name,
        statuses=json.dumps(["serverTransferProhibited"]),
        expires_at="2031-05-01T00:00:00.000000Z",
    )
    assert compare_round() >= 2
    domain.refresh_from_db()
    # The registry is the truth: our record takes its values; the registrant is untouched.
    assert domain.statuses == ["serverTransferProhibited"] and domain.expires_at.year == 2031
    assert domain.registrant_basis == RegistrantBasis.OURS
    difference = RegistryDifference.objects.get(domain=domain)
    assert set(difference.changes) == {"statuses", "expires_at"} and difference.found_by == "round"
    assert not RegistryDifference.objects.filter(domain=same).exists()
    # Read now: the next round leaves them alone for a week; a second difference joins the open one.
    assert compare_round() == 0
    assert RegistryDifference.objects.filter(domain=domain).count() == 1
