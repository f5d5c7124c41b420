"""Who reaches which page: every page checks the role, anonymous visitors go to login."""

from __future__ import annotations

import pytest
from django.urls import reverse

from workflows.roles import Team

pytestmark = pytest.mark.django_db

# page -> roles that may open it (customer, staff, supervisor, auditor)
PAGES = {
    "home": {"customer", "staff", "supervisor", "auditor"},
    "check_domain": {"customer", "staff", "supervisor"},
    "audit:history_search": {"supervisor", "auditor"},
    "audit:history_export": {"supervisor", "auditor"},
    "registrant_create_person": {"customer"},
    "registrant_create_organisation": {"customer"},
}


@pytest.fixture
def users(customer_a, staff_user, supervisor, auditor) -> dict:
    return {
        "customer": customer_a,
        "staff": staff_user(Team.DOMAINS),
        "supervisor": supervisor,
        "auditor": auditor,
    }


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("role", ["customer", "staff", "supervisor", "auditor"])
def test_role_matrix(client_for, users, page: str, role: str) -> None:
    response = client_for(users[role]).get(reverse(page))
    expected = 200 if role in PAGES[page] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_goes_to_login(client, page: str) -> None:
    url = reverse(page)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_history_event_page_follows_the_same_rule(client_for, users, auditor) -> None:
    event_id = client_for(auditor).get("/").context["page"].object_list[0].pk
    url = reverse("audit:history_event", args=[event_id])
    for role, user in users.items():
        expected = 200 if role in {"supervisor", "auditor"} else 403
        assert client_for(user).get(url).status_code == expected


def test_forbidden_page_says_why_in_plain_words(client_for, customer_a) -> None:
    response = client_for(customer_a).get(reverse("audit:history_search"))
    assert response.status_code == 403
    assert "Ta strona nie jest dostępna dla Twojego konta" in response.content.decode()


def test_navigation_offers_only_what_the_role_may_open(client_for, users) -> None:
    def nav(role: str) -> set[str]:
        page = client_for(users[role]).get("/").content.decode()
        menu = page[page.index('<nav class="main-nav"') :]
        menu = menu[: menu.index("</nav>")]
        return {name for name in PAGES if f'href="{reverse(name)}"' in menu}

    assert nav("customer") == {"home", "check_domain"}
    assert nav("staff") == {"home", "check_domain"}
    assert nav("supervisor") == {"home", "check_domain", "audit:history_search"}
    assert nav("auditor") == {"audit:history_search"}


def test_admin_is_for_superusers_only(client_for, users) -> None:
    for user in users.values():
        response = client_for(user).get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
