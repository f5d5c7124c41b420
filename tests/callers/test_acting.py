"""Acting for a verified caller: a transfer, a cesja and a mail sent again, each recorded with
the staff member, the customer's account and the channel of the call; and the hour's end."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assignments import services as cesja_services
from assignments.models import Cesja
from callers.models import CallerSession
from transfers.models import Transfer
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Team


def test_a_transfer_started_for_the_caller_is_the_customers_with_staff_and_phone_on_record(
    customer_login, verified, staff_user, customer_a, registrant_a, sandbox_domain, transfer_world
) -> None:
    remote = sandbox_domain(sponsor="nordhost")
    _customer, code = customer_login(customer_a)
    staff = staff_user(Team.SERVERS)  # any back-office team takes calls
    client = verified(staff, customer_a, code, Channel.PHONE)
    page = client.get(reverse("callers:start_transfer")).content.decode()
    assert "Jan Kowalski" in page
    response = client.post(
        reverse("callers:start_transfer"),
        {"domain_name": remote.name, "authinfo": remote.authinfo, "registrant": registrant_a.pk},
    )
    transfer = Transfer.objects.get(domain_name=remote.name)
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:detail", args=[transfer.pk])
    assert transfer.account == customer_a and transfer.registrant == registrant_a
    event = HistoryEvent.objects.for_object(transfer).get(event_type=EventType.TRANSFER_STATE_CHANGED)
    assert event.actor == staff and event.channel == Channel.PHONE
    # The customer sees it among their requests.
    assert remote.name in _customer.get(reverse("home")).content.decode()

    # The last e-mail of the request, sent again at the caller's request, is recorded too.
    mail.outbox.clear()
    acting = client.get(reverse("callers:acting")).content.decode()
    assert reverse("callers:resend", args=["transfer", transfer.pk]) in acting
    response = client.post(reverse("callers:resend", args=["transfer", transfer.pk]))
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[customer_a.email]]
    resent = HistoryEvent.objects.for_object(transfer).get(event_type=EventType.CALLER_EMAIL_RESENT)
    assert resent.actor == staff and resent.channel == Channel.PHONE
    assert resent.data["kind"] == "started"


def test_a_cesja_started_for_the_caller_over_chat(
    customer_login, verified, staff_user, customer_a, registrant_a, customer_b, registrant_b, cesja_world
) -> None:
    domain = cesja_world.domain(registrant_a)
    _customer, code = customer_login(customer_a)
    staff = staff_user(Team.DOMAINS)
    client = verified(staff, customer_a, code, Channel.CHAT)
    response = client.post(
        reverse("callers:start_cesja"),
        {
            "side": "cedent",
            "domains": [domain.pk],
            "registrant": registrant_a.pk,
            "other_party_email": customer_b.email,
            "reason": "domain_sale",
        },
    )
    cesja = Cesja.objects.get()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert cesja.cedent_account == customer_a
    started = HistoryEvent.objects.for_object(cesja).filter(event_type=EventType.CESJA_STATE_CHANGED).first()
    assert started.actor == staff and started.channel == Channel.CHAT
    acting = client.get(reverse("callers:acting")).content.decode()
    assert cesja.number in acting
    # Once the other party joins, the cesja waits for the signed form on paper or as a scan.
    cesja_services.join_cesja(cesja=cesja, registrant=registrant_b, actor=customer_b, channel=Channel.WEB)
    acting = client.get(reverse("callers:acting")).content.decode()
    # The domains team registers received papers on the cesja's own page.
    assert reverse("assignments:verify", args=[cesja.pk]) + "#paper" in acting


def test_the_caller_session_ends_with_the_hour(customer_login, verified, staff_user, customer_a) -> None:
    _customer, code = customer_login(customer_a)
    client = verified(staff_user(), customer_a, code)
    ended_at = timezone.now() - timedelta(seconds=1)
    CallerSession.objects.update(expires_at=ended_at)
    response = client.get(reverse("callers:acting"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("callers:find")
    page = response.content.decode()
    assert f"zakończyła się o {timezone.localtime(ended_at):%H:%M}" in page
    assert "Działasz w imieniu" not in page
    # Nor can anything be started for the customer any more.
    response = client.post(reverse("callers:start_transfer"), {"domain_name": "x.pl", "authinfo": "abc"})
    assert response.status_code == 302 and response["Location"] == reverse("callers:find")


def test_ending_the_caller_session(customer_login, verified, staff_user, customer_a) -> None:
    _customer, code = customer_login(customer_a)
    client = verified(staff_user(), customer_a, code)
    assert "Działasz w imieniu" in client.get(reverse("callers:find")).content.decode()
    client.post(reverse("callers:end"))
    assert CallerSession.objects.get().ended_at is not None
    assert "Działasz w imieniu" not in client.get(reverse("callers:find")).content.decode()
    assert client.get(reverse("callers:acting")).status_code == 302


def test_a_caller_session_belongs_to_its_staff_member(
    customer_login, verified, client_for, staff_user, customer_a
) -> None:
    _customer, code = customer_login(customer_a)
    verified(staff_user(), customer_a, code)
    other = client_for(staff_user())
    session = other.session
    session["callers.session_id"] = CallerSession.objects.get().pk
    session.save()
    assert other.get(reverse("callers:acting")).status_code == 302
