"""The registrant of a domain is whoever the registry says: a transfer never changes it, and
what belongs to the registrant (the code, the lock, a cesja) needs a verified one."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Registrant
from assignments.models import Reason, Side
from assignments.services import start_cesja
from domains import registrants
from domains.services import issue_authinfo, set_transfer_lock
from registry.models import Domain, RegistrantBasis
from transfers.models import State, Transfer
from transfers.services import confirm_transfer, start_incoming_transfer
from workflows.errors import Refused
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team

from ..transfers.helpers import confirmation_token, losing_side_lets_go, process_registry, wait_state

CONFIRM_REGISTRANT = re.compile(r"/domains/registrant/([A-Za-z0-9_-]+)/")


def remote_domain(world, *, registrant: str, tld: str = "pl") -> tuple[str, str]:
    """A domain another registrar (nordhost) holds for the contact ``registrant`` (a .pl one
    at the sandbox's NASK unless said)."""
    name = f"r-{uuid.uuid4().hex[:12]}.{tld}"
    code = f"Test-{secrets.token_hex(6)}"
    now = world.sandbox.store.now()
    world.sandbox.store.add_domain(
        name,
        sponsor="nordhost",
        registrant=registrant,
        authinfo=code,
        created_at=now - timedelta(days=400),
        expires_at=now + timedelta(days=200),
    )
    return name, code


def annas_contact(world) -> str:
    handle = f"A{uuid.uuid4().hex[:10].upper()}"
    world.sandbox.store.add_contact(
        handle,
        sponsor="nordhost",
        name="Anna Nowak",
        street=["ul. Źródlana 3"],
        postal_code="90-001",
        city="Łódź",
        country="PL",
        email="anna.nowak@example.pl",
    )
    return handle


def transferred_in(
    world, jobs, epp_client, *, account, registrant, name, code, actor=None, channel=Channel.WEB
):
    """The transfer of ``name`` to us, confirmed through the registry's address and approved
    by the losing registrar; returns the domain once its registrant has been read."""
    transfer = start_incoming_transfer(
        account=account,
        domain_name=name,
        authinfo=code,
        registrant=registrant,
        actor=actor or account,
        channel=channel,
    )
    confirm_transfer(token=confirmation_token(transfer.confirmation_email))
    wait_state(jobs, transfer, State.PENDING)
    losing_side_lets_go(world, epp_client, name)
    process_registry(jobs, until=lambda: Transfer.objects.get(pk=transfer.pk).state == State.COMPLETED)
    jobs.wait_for(lambda: Domain.objects.get(name=name).registrant_basis != RegistrantBasis.READING)
    return Domain.objects.select_related("registrant", "sponsor", "tld").get(name=name)


def refused(action) -> str:
    with pytest.raises(Refused) as caught:
        action()
    return str(caught.value)


def test_staff_acting_for_jan_transfer_annas_domain_and_anna_stays_its_registrant(
    transfer_world, transfer_jobs, epp_client, customer_a, registrant_a, organisation_a, staff_user
):
    name, code = remote_domain(transfer_world, registrant=annas_contact(transfer_world))
    staff = staff_user(Team.DOMAINS)
    domain = transferred_in(
        transfer_world,
        transfer_jobs,
        epp_client,
        account=customer_a,
        registrant=registrant_a,
        name=name,
        code=code,
        actor=staff,
        channel=Channel.PHONE,
    )
    # Held by the registry's contact, under the account that brought the domain, unconfirmed.
    assert domain.registrant != registrant_a
    assert domain.registrant.display_name == "Anna Nowak" and domain.registrant.from_registry
    assert domain.registrant.account == customer_a and domain.registrant.email == "anna.nowak@example.pl"
    assert domain.registrant_basis == RegistrantBasis.UNCONFIRMED
    event = HistoryEvent.objects.for_object(domain).get(event_type=EventType.DOMAIN_REGISTRANT_READ)
    assert "Anna Nowak" in event.summary

    # Nothing that belongs to the registrant, for Jan or for staff acting for him.
    for actor in (customer_a, staff):
        assert "Anna Nowak" in refused(
            lambda a=actor: issue_authinfo(domain=domain, actor=a, channel=Channel.WEB)
        )
    refused(lambda: set_transfer_lock(domain=domain, locked=True, actor=customer_a, channel=Channel.WEB))
    refused(
        lambda: start_cesja(
            initiator=customer_a,
            side=Side.CEDENT,
            domains=[domain],
            cedent_registrant=domain.registrant,
            cesjonariusz_registrant=organisation_a,
            reason=Reason.DOMAIN_SALE,
            actor=staff,
            channel=Channel.PHONE,
        )
    )
    assert not transfer_world.sandbox.store.domain(name).statuses or "clientTransferProhibited" not in (
        transfer_world.sandbox.store.domain(name).statuses
    )


def test_the_registrant_confirms_from_the_registrys_address_and_then_the_code_is_theirs(
    transfer_world, transfer_jobs, epp_client, customer_a, registrant_a, client_for
):
    name, code = remote_domain(transfer_world, registrant=annas_contact(transfer_world))
    domain = transferred_in(
        transfer_world,
        transfer_jobs,
        epp_client,
        account=customer_a,
        registrant=registrant_a,
        name=name,
        code=code,
    )
    mail.outbox.clear()
    sent_to = registrants.ask_registrant_to_confirm(domain=domain, actor=customer_a, channel=Channel.WEB)
    # The registry's address, never one the account gave us.
    assert sent_to == "anna.nowak@example.pl"
    [message] = [m for m in mail.outbox if "anna.nowak@example.pl" in m.to]
    token = CONFIRM_REGISTRANT.search(message.body).group(1)
    # A GET (a mail scanner follows links) confirms nothing.
    page = Client().get(reverse("domains:confirm_registrant", args=[token]))
    assert page.status_code == 200 and "Anna Nowak" in page.content.decode()
    domain.refresh_from_db()
    assert domain.registrant_basis == RegistrantBasis.UNCONFIRMED

    response = Client().post(reverse("domains:confirm_registrant", args=[token]))
    assert response.status_code == 200
    domain.refresh_from_db()
    assert domain.registrant_basis == RegistrantBasis.CONFIRMED and domain.registrant_is_verified
    assert (
        HistoryEvent.objects.for_object(domain)
        .filter(event_type=EventType.DOMAIN_REGISTRANT_CONFIRMED)
        .exists()
    )
    # A link works once.
    assert Client().post(reverse("domains:confirm_registrant", args=[token])).status_code == 410

    new_code = issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)
    assert transfer_world.sandbox.store.authinfo_matches(name, new_code)


def test_a_profile_that_is_the_registrys_contact_is_linked_at_once(
    transfer_world, transfer_jobs, epp_client, customer_a, registrant_a
):
    # Jan's profile is the contact C-JKOWALSKI; the domain comes with that very contact.
    name, code = remote_domain(transfer_world, registrant=registrant_a.registry_handle)
    domain = transferred_in(
        transfer_world, transfer_jobs, epp_client, account=customer_a, registrant=None, name=name, code=code
    )
    assert domain.registrant == registrant_a and domain.registrant_basis == RegistrantBasis.MATCHED
    issue_authinfo(domain=domain, actor=customer_a, channel=Channel.WEB)


def test_with_the_registrys_data_the_domain_lands_among_the_customers_domains(
    transfer_world, transfer_jobs, epp_client, customer_a, client_for
):
    # The demo's path: no profile named, "use the registrant data held by the registry".
    name, code = remote_domain(transfer_world, registrant="N-OGRODNIK")
    domain = transferred_in(
        transfer_world, transfer_jobs, epp_client, account=customer_a, registrant=None, name=name, code=code
    )
    assert Domain.objects.of_account(customer_a).held_by_us().filter(pk=domain.pk).exists()
    assert domain.registrant.registry_handle == "N-OGRODNIK"
    home = client_for(customer_a).get(reverse("home")).content.decode()
    assert domain.name in home
    # A second domain of the same contact reuses its profile.
    other, other_code = remote_domain(transfer_world, registrant="N-OGRODNIK")
    second = transferred_in(
        transfer_world,
        transfer_jobs,
        epp_client,
        account=customer_a,
        registrant=None,
        name=other,
        code=other_code,
    )
    assert second.registrant == domain.registrant
    assert Registrant.objects.filter(account=customer_a, registry_handle="N-OGRODNIK").count() == 1


def test_the_registry_down_when_the_registrant_is_read_leaves_it_to_a_later_try(
    transfer_world, transfer_jobs, epp_client, customer_a, registrant_a, sandbox, time_passes
):
    from registry.epp.data import TransferData
    from transfers.services import apply_registry_status
    from workflows.models import OutboxMessage

    # the RFC registry (.eu) is the one that goes away here
    name, code = remote_domain(transfer_world, registrant=annas_contact(transfer_world), tld="eu")
    transfer = start_incoming_transfer(
        account=customer_a,
        domain_name=name,
        authinfo=code,
        registrant=registrant_a,
        actor=customer_a,
        channel=Channel.WEB,
    )
    confirm_transfer(token=confirmation_token(transfer.confirmation_email))
    transfer = wait_state(transfer_jobs, transfer, State.PENDING)
    epp_client("nordhost").transfer_approve(name)

    # The registry's answer arrived just before the registry went away.
    port = sandbox.port
    sandbox.stop()
    try:
        answer = TransferData(
            name=name,
            status="clientApproved",
            requested_by=transfer_world.client_id,
            requested_at=transfer.requested_at,
            action_by="nordhost",
            action_at=transfer.requested_at,
        )
        assert apply_registry_status(transfer.pk, answer, source="test") == "completed"
        domain = Domain.objects.get(name=name)
        # Completed, and said so; the registrant is not guessed: it is read when the registry is back.
        assert domain.registrant is None and domain.registrant_basis == RegistrantBasis.READING
        waiting = OutboxMessage.objects.get(kind="domains.registrant_from_registry")
        assert waiting.sent_at is None and waiting.attempts >= 1
    finally:
        sandbox.requested_port = port
        sandbox.start()
        sandbox.requested_port = 0
    time_passes(timedelta(minutes=15))
    process_registry(
        transfer_jobs, until=lambda: Domain.objects.get(name=name).registrant_basis != RegistrantBasis.READING
    )
    domain = Domain.objects.get(name=name)
    assert (
        domain.registrant.display_name == "Anna Nowak"
        and domain.registrant_basis == RegistrantBasis.UNCONFIRMED
    )
    assert (
        HistoryEvent.objects.for_object(domain).filter(event_type=EventType.DOMAIN_REGISTRANT_READ).count()
        == 1
    )


def test_for_an_organisation_one_of_its_representatives_confirms_and_is_named(
    transfer_world, transfer_jobs, epp_client, customer_a, registrant_a
):
    handle = f"F{uuid.uuid4().hex[:10].upper()}"
    transfer_world.sandbox.store.add_contact(
        handle,
        sponsor="nordhost",
        name="Biuro",
        org="Kwiaciarnia Nowak sp. z o.o.",
        street=["ul. Źródlana 3"],
        postal_code="90-001",
        city="Łódź",
        country="PL",
        email="biuro@kwiaciarnia.example.pl",
    )
    name, code = remote_domain(transfer_world, registrant=handle)
    domain = transferred_in(
        transfer_world,
        transfer_jobs,
        epp_client,
        account=customer_a,
        registrant=registrant_a,
        name=name,
        code=code,
    )
    assert domain.registrant.kind == Registrant.Kind.ORGANISATION
    assert domain.registrant.display_name == "Kwiaciarnia Nowak sp. z o.o."
    mail.outbox.clear()
    assert (
        registrants.ask_registrant_to_confirm(domain=domain, actor=customer_a, channel=Channel.WEB)
        == "biuro@kwiaciarnia.example.pl"
    )
    token = CONFIRM_REGISTRANT.search(mail.outbox[-1].body).group(1)
    url = reverse("domains:confirm_registrant", args=[token])
    assert "Twoja funkcja w organizacji" in Client().get(url).content.decode()
    # Nobody named: nothing confirmed, the link still works.
    unnamed = Client().post(url, {"name": "", "function": ""})
    assert unnamed.status_code == 200 and "To pole jest wymagane" in unnamed.content.decode()
    domain.refresh_from_db()
    assert domain.registrant_basis == RegistrantBasis.UNCONFIRMED
    refused(lambda: registrants.confirm_registrant(token=token))

    assert Client().post(url, {"name": "Anna Nowak", "function": "Prezes Zarządu"}).status_code == 200
    domain.refresh_from_db()
    assert domain.registrant_basis == RegistrantBasis.CONFIRMED
    event = HistoryEvent.objects.for_object(domain).get(event_type=EventType.DOMAIN_REGISTRANT_CONFIRMED)
    assert event.actor_label == "Anna Nowak, Prezes Zarządu <biuro@kwiaciarnia.example.pl>"
    assert event.data["representative"] == "Anna Nowak, Prezes Zarządu"
