"""Who may open the caller pages: back-office staff of any team and supervisors act;
auditors (and supervisors) read the record; customers never see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from callers.models import CallerSession
from workflows.roles import Team

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["callers:find", "callers:acting", "callers:start_transfer", "callers:start_cesja"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_customers_and_auditors_get_403_on_staff_pages(client_for, customer_a, auditor, name) -> None:
    for user in (customer_a, auditor):
        assert client_for(user).get(reverse(name)).status_code == 403
        assert client_for(user).post(reverse(name)).status_code in (403, 405)


def test_customers_and_auditors_cannot_verify_or_act(client_for, customer_a, customer_b, auditor) -> None:
    for user in (customer_a, auditor):
        client = client_for(user)
        verify = reverse("callers:verify", args=[customer_b.pk])
        assert client.get(verify).status_code == 403
        assert client.post(verify, {"code": "12345678", "channel": "phone"}).status_code == 403
        assert client.post(reverse("callers:end")).status_code == 403
        assert client.post(reverse("callers:resend", args=["transfer", 1])).status_code == 403
    assert not CallerSession.objects.exists()


def test_anonymous_visitors_go_to_the_login_page(client) -> None:
    response = client.get(reverse("callers:find"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("team", [Team.DOMAINS, Team.BILLING, Team.TECHNICAL])
def test_every_back_office_team_takes_calls(client_for, staff_user, team) -> None:
    page = client_for(staff_user(team)).get(reverse("callers:find"))
    assert page.status_code == 200
    assert reverse("callers:find") in page.content.decode()  # in the navigation


def test_the_record_is_read_only_for_auditors_and_supervisors(
    client_for, staff_user, auditor, supervisor, customer_a
) -> None:
    for reader in (auditor, supervisor):
        response = client_for(reader).get(reverse("callers:log"))
        assert response.status_code == 200
        assert "<form" not in response.content.decode().split("<main", 1)[1].split("</main>")[0]
    assert client_for(staff_user()).get(reverse("callers:log")).status_code == 403
    assert client_for(customer_a).get(reverse("callers:log")).status_code == 403
    assert client_for(auditor).post(reverse("callers:log")).status_code == 405


def test_customers_see_no_caller_navigation(client_for, customer_a) -> None:
    page = client_for(customer_a).get(reverse("home")).content.decode()
    assert reverse("callers:find") not in page and reverse("callers:log") not in page
