"""Each role's home page at "/", and the queries behind the queues and the workload."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from portal import selectors
from registry.models import Domain
from workflows import queues
from workflows.roles import Team

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


# --- customer -----------------------------------------------------------------------------


def test_customer_home_lists_own_profiles_and_domains(
    client_for, customer_a, domains_a, organisation_a, registrant_b, tlds_and_registrars
) -> None:
    Domain.objects.create(
        name="nowak-design.com",
        tld=tlds_and_registrars.tlds["com"],
        sponsor=tlds_and_registrars.us,
        registrant=registrant_b,
    )
    response = client_for(customer_a).get("/")
    assert response.templates[0].name == "portal/home_customer.html"
    page = response.content.decode()
    # Profiles: both of customer A's, none of B's.
    assert [r.display_name for r in response.context["registrants"]] == [
        "Jan Kowalski",
        "Piekarnia Zdrowie sp. z o.o.",
    ]
    assert "Anna Nowak" not in page
    # Domains: by U-label, the soonest expiry first, statuses in words.
    rows = response.context["domains"]
    assert [row.domain.display_name for row in rows] == ["żółtyrower.pl", "sklep-kowalski.pl", "kowalski.pl"]
    assert "żółtyrower.pl" in page
    assert "nowak-design.com" not in page
    assert rows[0].expires_soon is True
    assert rows[2].expires_soon is False
    assert "Transfer zablokowany" in page
    assert "Usunięcie zablokowane" in page
    assert "Aktywna" in page
    # No request types exist yet: the empty state says what will be listed.
    assert "Nie masz żadnych zleceń" in page
    assert "wnioski o cesję" in page


def test_customer_without_anything_sees_empty_states(client_for, customer_b) -> None:
    page = client_for(customer_b).get("/").content.decode()
    assert "Nie masz jeszcze domen" in page
    assert "Nie masz jeszcze profili abonenta" in page


def test_status_words_in_english(client_for, customer_a, domains_a) -> None:
    customer_a.language = "en"
    customer_a.save()
    page = client_for(customer_a).get("/").content.decode()
    assert "Transfer locked" in page
    assert "Your requests" in page


# --- back office --------------------------------------------------------------------------


def test_staff_home_shows_empty_queue_and_inbox(client_for, staff_user) -> None:
    response = client_for(staff_user(Team.DOMAINS)).get("/")
    assert response.templates[0].name == "portal/home_staff.html"
    page = response.content.decode()
    assert "Kolejka zespołu: Domeny" in page
    assert "Nic nie czeka" in page
    assert "Nie masz żadnych zadań" in page


def test_team_queue_holds_open_unassigned_tasks_of_the_team_overdue_first(staff_user, make_task) -> None:
    me = staff_user(Team.DOMAINS)
    colleague = staff_user(Team.DOMAINS)
    newer = make_task(Team.DOMAINS, age=timedelta(hours=2))
    older = make_task(Team.DOMAINS, age=timedelta(days=3))
    make_task(Team.BILLING, age=timedelta(days=5))  # another team's
    make_task(Team.DOMAINS, owner=colleague)  # already taken
    make_task(Team.DOMAINS, status=STATUS.DONE, finished=True)
    make_task(Team.DOMAINS, status=STATUS.CANCELED)
    assert list(queues.team_tasks(me.team)) == [older, newer]
    rows = selectors.task_rows(queues.team_tasks(me.team))
    assert [row.overdue for row in rows] == [True, False]


def test_inbox_holds_open_tasks_the_user_has_taken(staff_user, make_task) -> None:
    me = staff_user(Team.DOMAINS)
    colleague = staff_user(Team.DOMAINS)
    mine = make_task(Team.DOMAINS, owner=me, status=STATUS.ASSIGNED)
    make_task(Team.DOMAINS, owner=me, status=STATUS.DONE, finished=True)
    make_task(Team.DOMAINS, owner=colleague, status=STATUS.ASSIGNED)
    make_task(Team.DOMAINS)
    assert list(queues.held_by(me)) == [mine]


def test_staff_home_renders_queue_rows(client_for, staff_user, make_task) -> None:
    me = staff_user(Team.DOMAINS)
    make_task(Team.DOMAINS, age=timedelta(days=4))
    make_task(Team.DOMAINS, owner=me, status=STATUS.ASSIGNED)
    response = client_for(me).get("/")
    assert len(response.context["queue"]) == 1
    assert len(response.context["inbox"]) == 1
    page = response.content.decode()
    assert "Po terminie" in page
    assert "Pobrane" in page


# --- supervisor ---------------------------------------------------------------------------


def test_supervisor_home_shows_workload_by_team_and_person(
    client_for, supervisor, staff_user, make_task
) -> None:
    piotr = staff_user(Team.DOMAINS)
    kasia = staff_user(Team.BILLING)
    make_task(Team.DOMAINS, age=timedelta(days=3))
    make_task(Team.DOMAINS)
    make_task(Team.DOMAINS, owner=piotr, status=STATUS.ASSIGNED, age=timedelta(days=4))
    make_task(Team.DOMAINS, owner=piotr, status=STATUS.DONE, finished=True)
    make_task(Team.BILLING, owner=kasia, status=STATUS.ASSIGNED)

    response = client_for(supervisor).get("/")
    assert response.templates[0].name == "portal/home_supervisor.html"
    teams = {load.team: load for load in response.context["teams"]}
    assert (teams["domains"].waiting, teams["domains"].in_progress, teams["domains"].overdue) == (2, 1, 2)
    assert (teams["billing"].waiting, teams["billing"].in_progress, teams["billing"].overdue) == (0, 1, 0)
    assert (teams["servers"].waiting, teams["servers"].in_progress) == (0, 0)
    assert response.context["totals"] == {"waiting": 2, "in_progress": 2, "overdue": 2}
    people = {person.username: person for person in response.context["people"]}
    assert (people[piotr.username].open_tasks, people[piotr.username].overdue_tasks) == (1, 1)
    assert (people[kasia.username].open_tasks, people[kasia.username].overdue_tasks) == (1, 0)
    assert people[supervisor.username].open_tasks == 0
    # ... and the queue of the supervisor's own team.
    assert len(response.context["queue"]) == 2
    assert "Obciążenie zespołów" in response.content.decode()


# --- auditor ------------------------------------------------------------------------------


def test_auditor_home_is_the_history_search(client_for, auditor) -> None:
    response = client_for(auditor).get("/")
    assert response.templates[0].name == "audit/history_search.html"
    # The auditor's own login is the newest event.
    assert response.context["page"].object_list[0].actor == auditor


def test_people_are_listed_team_by_team_busiest_first(staff_user, make_task) -> None:
    technik = staff_user(Team.TECHNICAL)
    quiet = staff_user(Team.DOMAINS)
    busy = staff_user(Team.DOMAINS)
    make_task(Team.DOMAINS, owner=busy, status=STATUS.ASSIGNED)
    assert list(selectors.workload_by_person()) == [busy, quiet, technik]
