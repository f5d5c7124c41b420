"""Who may open what: every URL the project serves × every role, in one table.

A URL whose name is not in the table fails the test: a new page must say who may see it.
Outcomes of a GET:
  200   the page
  302   a redirect within the site (not to the login): e.g. a cesja's staff page, "nothing to do"
  405   the role passes the check but the URL takes only POST
  L     anonymous: sent to the login page
  403   logged in, not this role's page
  404   logged in, not this user's object (customer B), or a link token that does not exist
Allowed means 200, 302 or 405; denied means L, 403 or 404.
The admin is summarised: no one in these roles has is_staff, so every admin URL sends them to
the admin login; a superuser gets in.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import User
from workflows.roles import Team

from .urlcatalog import all_routes, build_url

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = (
    "anonymous",
    "customer_a",
    "customer_b",
    *(f"staff_{team}" for team in Team.values),  # domains servers websites billing technical
    "supervisor",
    "auditor",
)

# name: (whose pk fills <pk>, "anon A B staff:domains servers websites billing technical supervisor auditor")
# Customer A owns the transfer, the domain and the profile; the cesja is A's to B, so B is a party.
MATRIX: dict[str, tuple[str, str]] = {
    "set_language": ("", "302 302 302 302 302 302 302 302 302 302"),
    "home": ("", "L 200 200 200 200 200 200 200 200 200"),
    "check_domain": ("", "L 200 200 200 200 200 200 200 200 403"),
    "my_domains": ("", "L 200 200 403 403 403 403 403 403 403"),
    "my_transfers": ("", "L 200 200 403 403 403 403 403 403 403"),
    "my_cesje": ("", "L 200 200 403 403 403 403 403 403 403"),
    "audit:history_search": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:history_export": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:history_event": ("event", "L 403 403 403 403 403 403 403 200 200"),
    "login": ("", "200 302 302 302 302 302 302 302 302 302"),
    "logout": ("", "405 405 405 405 405 405 405 405 405 405"),
    "switch_language": ("", "405 405 405 405 405 405 405 405 405 405"),
    "registrant_create_person": ("", "L 200 200 403 403 403 403 403 403 403"),
    "registrant_create_organisation": ("", "L 200 200 403 403 403 403 403 403 403"),
    "registrant_edit": ("registrant", "L 200 404 403 403 403 403 403 403 403"),
    "transfers:start": ("", "L 200 200 403 403 403 403 403 403 403"),
    "transfers:detail": ("transfer", "L 200 404 200 200 200 200 200 200 200"),
    "transfers:resubmit": ("transfer", "L 405 405 403 403 403 403 403 403 403"),
    # Staff of any team may cancel on a caller's behalf; other teams are sent back to the page.
    "transfers:cancel": ("transfer", "L 200 404 200 302 302 302 302 403 403"),
    "transfers:approve": ("transfer", "L 302 404 403 403 403 403 403 403 403"),
    # Asking NASK to send its confirmation again: the customer, or staff of any team for them.
    "transfers:resend": ("transfer", "L 405 405 405 405 405 405 405 403 403"),
    "transfers:review": ("transfer", "L 403 403 405 405 405 405 405 403 403"),
    "transfers:reject": ("transfer", "L 403 403 405 405 405 405 405 403 403"),
    "queues:claim": ("transfer", "L 403 403 405 405 405 405 405 405 403"),
    "queues:release": ("transfer", "L 403 403 405 405 405 405 405 405 403"),
    "queues:reassign": ("transfer", "L 403 403 405 405 405 405 405 405 403"),
    "transfers:confirm": ("", "404 404 404 404 404 404 404 404 404 404"),
    "domains:authinfo": ("domain", "L 200 404 403 403 403 403 403 403 403"),
    "domains:authinfo_issued": ("domain", "L 200 404 403 403 403 403 403 403 403"),
    "domains:lock": ("domain", "L 405 405 403 403 403 403 403 403 403"),
    "domains:ask_confirmation": ("domain", "L 405 405 403 403 403 403 403 403 403"),
    # Every back-office team and auditors read a registry difference; the domains team closes it.
    "domains:difference": ("difference", "L 403 403 200 200 200 200 200 200 200"),
    # Registry messages we could not process: the domains team, supervisors and auditors.
    "domains:registry_messages": ("", "L 403 403 200 403 403 403 403 200 200"),
    "domains:registry_message": ("registry_message", "L 403 403 200 403 403 403 403 200 200"),
    "domains:confirm_registrant": ("", "404 404 404 404 404 404 404 404 404 404"),
    "assignments:start": ("", "L 200 200 403 403 403 403 403 403 403"),
    # Back office and auditors are sent on to the staff page of the cesja.
    "assignments:detail": ("cesja", "L 200 200 302 302 302 302 302 302 302"),
    "assignments:join": ("cesja", "L 405 405 403 403 403 403 403 403 403"),
    "assignments:form": ("cesja", "L 302 302 302 302 302 302 302 302 302"),
    "assignments:regenerate": ("cesja", "L 405 405 403 403 403 403 403 403 403"),
    "assignments:upload": ("cesja", "L 302 302 403 403 403 403 403 403 403"),
    "assignments:cancel": ("cesja", "L 200 200 200 302 302 302 302 403 403"),
    "assignments:invitation": ("", "L 404 404 403 403 403 403 403 403 403"),
    # An unknown token: nobody may sign up; a logged-in user goes back to the invitation page.
    "assignments:invitation_signup": ("", "404 302 302 302 302 302 302 302 302 302"),
    "assignments:verify": ("cesja", "L 403 403 200 200 200 200 200 200 200"),
    "assignments:tick": ("cesja", "L 403 403 405 405 405 405 405 403 403"),
    "assignments:approve": ("cesja", "L 403 403 405 405 405 405 405 403 403"),
    "assignments:reject": ("cesja", "L 403 403 405 405 405 405 405 403 403"),
    "assignments:correction": ("cesja", "L 403 403 405 405 405 405 405 403 403"),
    "assignments:paper": ("cesja", "L 403 403 405 405 405 405 405 403 403"),
    "callers:new_code": ("", "L 405 405 403 403 403 403 403 403 403"),
    "callers:find": ("", "L 403 403 200 200 200 200 200 200 403"),
    "callers:log": ("", "L 403 403 403 403 403 403 403 200 200"),
    # No caller is being served: the call taker is sent to find one.
    "callers:acting": ("", "L 403 403 302 302 302 302 302 302 403"),
    "callers:start_transfer": ("", "L 403 403 302 302 302 302 302 302 403"),
    "callers:start_cesja": ("", "L 403 403 302 302 302 302 302 302 403"),
    "callers:resend": ("transfer", "L 403 403 405 405 405 405 405 405 403"),
    "callers:end": ("", "L 403 403 405 405 405 405 405 405 403"),
    # A call taker verifies a caller by their customer account.
    "callers:verify": ("customer", "L 403 403 200 200 200 200 200 200 403"),
    # The cesja's scan and form: both parties, the back office and auditors.
    "documents:download_received": ("received", "L 200 200 200 200 200 200 200 200 200"),
    "documents:download_generated": ("generated", "L 200 200 200 200 200 200 200 200 200"),
    "audit:search": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:search_csv": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:search_pdf": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:request": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:request_csv": ("", "L 403 403 403 403 403 403 403 200 200"),
    "audit:request_pdf": ("", "L 403 403 403 403 403 403 403 200 200"),
}


@pytest.fixture
def clients(client, client_for, customer_a, customer_b, staff_user, supervisor, auditor) -> dict:
    users = {
        "customer_a": customer_a,
        "customer_b": customer_b,
        **{f"staff_{team}": staff_user(team) for team in Team.values},
        "supervisor": supervisor,
        "auditor": auditor,
    }
    return {"anonymous": client, **{role: client_for(user) for role, user in users.items()}}


def outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return "L" if location.startswith(reverse("login")) else "302"
    return str(response.status_code)


def test_every_url_is_in_the_matrix() -> None:
    names = {route.name for route in all_routes() if not route.name.startswith("admin:")}
    missing = sorted(names - set(MATRIX))
    assert not missing, f"URLs without an entry in the authorisation matrix: {', '.join(missing)}"
    gone = sorted(set(MATRIX) - names)
    assert not gone, f"matrix entries for URLs that no longer exist: {', '.join(gone)}"


def test_every_role_gets_exactly_what_the_matrix_says(audit_world, clients) -> None:
    wrong = []
    for route in all_routes():
        if route.name.startswith("admin:"):
            continue
        pk_source, expected_row = MATRIX[route.name]
        expected = dict(zip(ROLES, expected_row.split(), strict=True))
        url = build_url(route, audit_world, pk_source or "transfer")
        for role in ROLES:
            got = outcome(clients[role].get(url))
            if got != expected[role]:
                wrong.append(f"{route.name} {url} as {role}: expected {expected[role]}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_the_admin_is_for_staff_superusers_only(audit_world, clients) -> None:
    admin_routes = [route for route in all_routes() if route.name.startswith("admin:")]
    assert len(admin_routes) > 20
    login = reverse("admin:login")
    for route in admin_routes:
        url = build_url(route, audit_world, "transfer")
        for role in ROLES:
            response = clients[role].get(url)
            if route.name in ("admin:login", "admin:logout"):
                assert response.status_code in (200, 302, 405), (route.name, role)
                continue
            assert response.status_code == 302, (route.name, role, response.status_code)
            assert response["Location"].startswith(login), (route.name, role)
    root = User.objects.create_superuser("root", "root@example.pl", "x-Root-2026!")
    from django.test import Client

    superuser = Client()
    superuser.force_login(root)
    assert superuser.get(reverse("admin:index")).status_code == 200
