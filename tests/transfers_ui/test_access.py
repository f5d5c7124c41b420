"""Who reaches which transfer page: every URL checks the role and whose request it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from transfers.models import State, Transfer
from workflows.roles import Team

# Pages about one request, each with its methods and the roles that may use it; a customer
# may use them only for their own requests.
REQUEST_PAGES = {
    "transfers:detail": {"customer", "staff", "supervisor", "auditor"},
    "transfers:cancel": {"customer", "staff"},
    "transfers:resubmit": {"customer"},
    "transfers:approve": {"customer"},
    "transfers:review": {"staff"},
    "transfers:reject": {"staff"},
}
DOMAIN_PAGES = ["domains:authinfo", "domains:authinfo_issued", "domains:lock"]


@pytest.fixture
def users(customer_a, customer_b, staff_user, supervisor, auditor) -> dict:
    return {
        "customer": customer_a,
        "other_customer": customer_b,
        "staff": staff_user(Team.DOMAINS),
        "supervisor": supervisor,
        "auditor": auditor,
    }


@pytest.fixture
def transfer_of_a(start_transfer, customer_a, registrant_a) -> Transfer:
    return start_transfer(customer_a, registrant_a)


def test_start_page_is_for_customers_only(client_for, users, transfer_world) -> None:
    url = reverse("transfers:start")
    assert client_for(users["customer"]).get(url).status_code == 200
    for role in ("staff", "supervisor", "auditor"):
        assert client_for(users[role]).get(url).status_code == 403
        assert client_for(users[role]).post(url, {"domain_name": "x.pl", "authinfo": "a"}).status_code == 403


GET_PAGES = {"transfers:detail", "transfers:cancel", "transfers:approve"}


@pytest.mark.parametrize("page", sorted(REQUEST_PAGES))
def test_request_pages_by_role(client_for, users, transfer_of_a, page: str) -> None:
    url = reverse(page, args=[transfer_of_a.pk])
    for role in ("customer", "staff", "supervisor", "auditor"):
        client = client_for(users[role])
        if role in REQUEST_PAGES[page]:
            if page in GET_PAGES:
                # The page, or (for an action the request is not ready for) back to it.
                assert client.get(url).status_code in {200, 302}, role
        else:
            assert client.get(url).status_code == 403, role
            assert client.post(url, {}).status_code == 403, role


@pytest.mark.parametrize("page", sorted(REQUEST_PAGES))
def test_another_customers_request_is_not_found(client_for, users, transfer_of_a, page: str) -> None:
    url = reverse(page, args=[transfer_of_a.pk])
    client = client_for(users["other_customer"])
    if "customer" in REQUEST_PAGES[page]:
        if page in GET_PAGES:
            assert client.get(url).status_code == 404
        if page != "transfers:detail":
            assert client.post(url, {"authinfo": "x", "reason": ""}).status_code == 404
    else:
        assert client.post(url, {}).status_code == 403
    # And nothing happened to the request.
    assert Transfer.objects.get(pk=transfer_of_a.pk).state == State.AWAITING_CONFIRMATION


@pytest.mark.parametrize("page", sorted(REQUEST_PAGES))
def test_anonymous_goes_to_login(client, transfer_of_a, page: str) -> None:
    url = reverse(page, args=[transfer_of_a.pk])
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_auditor_and_supervisor_can_change_nothing(client_for, users, transfer_of_a, our_domain) -> None:
    """Read-only roles: every POST of every transfer page is refused and changes nothing."""
    posts = [
        (reverse("transfers:start"), {"domain_name": "x.pl", "authinfo": "abc"}),
        *[
            (reverse(page, args=[transfer_of_a.pk]), {"decision": "approve", "note": "ok"})
            for page in REQUEST_PAGES
            if page != "transfers:detail"  # a read-only page: POST is not allowed for anyone
        ],
        (reverse("domains:authinfo", args=[our_domain.pk]), {}),
        (reverse("domains:lock", args=[our_domain.pk]), {"locked": "1"}),
    ]
    for role in ("auditor", "supervisor"):
        client = client_for(users[role])
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (role, url)
    transfer_of_a.refresh_from_db()
    assert transfer_of_a.state == State.AWAITING_CONFIRMATION
    our_domain.refresh_from_db()
    assert "clientTransferProhibited" not in our_domain.statuses
    assert not our_domain.authinfo_codes.exists()


def test_read_only_roles_see_the_request_without_forms(client_for, users, transfer_of_a) -> None:
    url = reverse("transfers:detail", args=[transfer_of_a.pk])
    for role in ("auditor", "supervisor"):
        page = client_for(users[role]).get(url).content.decode()
        assert transfer_of_a.display_name in page
        assert 'method="post"' not in page.split("<main", 1)[1], role


def test_staff_of_another_team_reads_but_cannot_decide(client_for, staff_user, transfer_of_a) -> None:
    billing = client_for(staff_user(Team.BILLING))
    assert billing.get(reverse("transfers:detail", args=[transfer_of_a.pk])).status_code == 200
    response = billing.post(reverse("transfers:cancel", args=[transfer_of_a.pk]), {"reason": "x"})
    assert response.status_code == 302  # back to the request, with a message
    assert Transfer.objects.get(pk=transfer_of_a.pk).state == State.AWAITING_CONFIRMATION
    assert billing.post(reverse("transfers:review", args=[transfer_of_a.pk]), {}).status_code == 403


@pytest.mark.parametrize("page", DOMAIN_PAGES)
def test_domain_pages(client_for, users, our_domain, client, page: str) -> None:
    url = reverse(page, args=[our_domain.pk])
    # Another customer: not found, for reading and for changing.
    other = client_for(users["other_customer"])
    assert other.post(url, {"locked": "1"}).status_code in {404, 405}
    if page != "domains:lock":
        assert other.get(url).status_code == 404
    # Back office and auditors: not theirs to do.
    for role in ("staff", "supervisor", "auditor"):
        assert client_for(users[role]).post(url, {"locked": "1"}).status_code == 403
    anonymous = client.post(url, {"locked": "1"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    our_domain.refresh_from_db()
    assert "clientTransferProhibited" not in our_domain.statuses
    assert not our_domain.authinfo_codes.exists()


def test_domain_held_elsewhere_has_no_actions(client_for, customer_a, registrant_a, transfer_world) -> None:
    from registry.models import Domain, Registrar

    elsewhere = Domain.objects.create(
        name="kowalski-gdzie-indziej.pl",
        tld=transfer_world.tlds["pl"],
        sponsor=Registrar.objects.get(client_id="nordhost"),
        registrant=registrant_a,
    )
    client = client_for(customer_a)
    assert client.get(reverse("domains:authinfo", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("domains:lock", args=[elsewhere.pk]), {"locked": "1"}).status_code == 404
