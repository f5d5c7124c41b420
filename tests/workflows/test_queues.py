"""Team queues: claiming, releasing and reassigning real viewflow tasks; deadlines, the
warning and escalation sweep, the queue's order and filters, and the buttons behind them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from tests.fixtures.people import make_user
from workflows import queues
from workflows.models import EventType, HistoryEvent, SentEmail, TaskDeadline
from workflows.roles import Role, Team, team_permission

REVIEW = "transfers/flows.IncomingTransferFlow.review"
STAFF_CHECK = "transfers/flows.OutgoingTransferFlow.staff_check"
VERIFICATION = "assignments/flows.CesjaFlow.verification"


@pytest.fixture(autouse=True)
def english():
    """Refusals are matched by their English text; the pages below check the Polish one."""
    with translation.override("en"):
        yield


@pytest.fixture
def flow_task(db) -> Callable[..., Task]:
    """A human task of a real flow node, waiting in a team's queue."""

    def make(
        node: str = REVIEW,
        *,
        team: str = Team.DOMAINS,
        age: timedelta = timedelta(hours=1),
        owner: User | None = None,
    ) -> Task:
        created = timezone.now() - age
        flow_class = node.rsplit(".", 1)[0]
        process = Process.objects.create(flow_class=flow_class, created=created)
        task = Task.objects.create(
            process=process,
            flow_task=node,
            flow_task_type="HUMAN",
            status=STATUS.ASSIGNED if owner else STATUS.NEW,
            created=created,
            owner=owner,
            owner_permission=team_permission(team),
        )
        return Task.objects.get(pk=task.pk)  # read back: the references as viewflow loads them

    return make


def events(event_type: str) -> list[HistoryEvent]:
    return list(HistoryEvent.objects.filter(event_type=event_type).order_by("id"))


# --- claiming, releasing, reassigning ----------------------------------------------------


def test_staff_of_the_team_claims_a_waiting_task(staff_user, flow_task) -> None:
    anna = staff_user(Team.DOMAINS)
    task = flow_task()
    queues.claim_task(task=task, user=anna)
    task.refresh_from_db()
    assert (task.owner, task.status) == (anna, STATUS.ASSIGNED)
    [event] = events(EventType.TASK_CLAIMED)
    assert (event.actor, event.channel, event.data["task"]) == (anna, "web", task.pk)
    assert [task] == list(queues.held_by(anna))


def test_a_held_task_cannot_be_claimed_by_someone_else(staff_user, flow_task) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task()
    queues.claim_task(task=task, user=anna)
    with pytest.raises(queues.QueueRefused, match="Someone else"):
        queues.claim_task(task=task, user=piotr)
    task.refresh_from_db()
    assert task.owner == anna
    assert len(events(EventType.TASK_CLAIMED)) == 1


def test_staff_of_another_team_cannot_claim(staff_user, flow_task) -> None:
    task = flow_task(team=Team.DOMAINS)
    with pytest.raises(queues.QueueRefused, match="another team"):
        queues.claim_task(task=task, user=staff_user(Team.BILLING))
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW


def test_the_second_approver_rule_of_cesja_holds_in_the_queue(staff_user, flow_task) -> None:
    # SecondPairOfEyes refuses nobody when no one approved yet: the node's own check runs.
    task = flow_task("assignments/flows.CesjaFlow.second_verification")
    queues.claim_task(task=task, user=staff_user(Team.DOMAINS))
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED


def test_the_holder_releases_a_task_back_to_the_queue(staff_user, flow_task) -> None:
    anna = staff_user(Team.DOMAINS)
    task = flow_task()
    queues.claim_task(task=task, user=anna)
    queues.release_task(task=task, user=anna)
    task.refresh_from_db()
    assert (task.owner, task.status) == (None, STATUS.NEW)
    [event] = events(EventType.TASK_RELEASED)
    assert event.data["previous_holder"] == anna.username


def test_a_colleague_may_not_release_but_a_supervisor_may(staff_user, supervisor, flow_task) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task(owner=anna)
    with pytest.raises(queues.QueueRefused, match="Only the person holding"):
        queues.release_task(task=task, user=piotr)
    queues.release_task(task=task, user=supervisor)
    task.refresh_from_db()
    assert task.owner is None
    assert events(EventType.TASK_RELEASED)[0].actor == supervisor


def test_releasing_a_task_nobody_holds_is_refused(staff_user, flow_task) -> None:
    with pytest.raises(queues.QueueRefused, match="Nobody holds"):
        queues.release_task(task=flow_task(), user=staff_user(Team.DOMAINS))


def test_the_holder_hands_a_task_to_a_colleague(staff_user, flow_task) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task(owner=anna)
    queues.reassign_task(task=task, user=anna, to_user=piotr)
    task.refresh_from_db()
    assert (task.owner, task.status) == (piotr, STATUS.ASSIGNED)
    [event] = events(EventType.TASK_REASSIGNED)
    assert (event.actor, event.data["previous_holder"], event.data["new_holder"]) == (
        anna,
        anna.username,
        piotr.username,
    )


def test_a_supervisor_reassigns_a_task_held_by_someone_else(staff_user, supervisor, flow_task) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task(owner=anna)
    queues.reassign_task(task=task, user=supervisor, to_user=piotr)
    task.refresh_from_db()
    assert task.owner == piotr


def test_an_outsider_may_not_reassign(staff_user, flow_task) -> None:
    anna, piotr, kasia = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task(owner=anna)
    with pytest.raises(queues.QueueRefused, match="Only the person holding"):
        queues.reassign_task(task=task, user=piotr, to_user=kasia)
    with pytest.raises(queues.QueueRefused, match="another team"):
        queues.reassign_task(task=task, user=staff_user(Team.BILLING), to_user=kasia)
    task.refresh_from_db()
    assert task.owner == anna
    assert events(EventType.TASK_REASSIGNED) == []


def test_the_new_holder_must_be_in_the_team(staff_user, supervisor, auditor, customer_a, flow_task) -> None:
    anna = staff_user(Team.DOMAINS)
    task = flow_task(owner=anna)
    for outsider in (staff_user(Team.BILLING), auditor, customer_a):
        with pytest.raises(queues.QueueRefused, match="member of the task's team"):
            queues.reassign_task(task=task, user=supervisor, to_user=outsider)
    task.refresh_from_db()
    assert task.owner == anna


def test_a_finished_task_cannot_be_claimed(staff_user, flow_task) -> None:
    task = flow_task()
    Task.objects.filter(pk=task.pk).update(status=STATUS.DONE, finished=timezone.now())
    with pytest.raises(queues.QueueRefused, match="finished"):
        queues.claim_task(task=task, user=staff_user(Team.DOMAINS))


# --- deadlines, order and filters --------------------------------------------------------


def test_defaults_are_created_for_the_known_human_tasks(db) -> None:
    table = queues.deadline_table()
    assert set(queues.KNOWN_TASKS) <= set(table)
    assert TaskDeadline.objects.get(flow_task=REVIEW).hours == 24


def test_due_status_follows_the_configured_deadline(flow_task) -> None:
    queues.ensure_default_deadlines()
    TaskDeadline.objects.filter(flow_task=REVIEW).update(hours=10, warning_before=3)
    table = queues.deadline_table()
    now = timezone.now()
    assert queues.due_of(flow_task(age=timedelta(hours=1)), table, now).status == queues.OK
    warning = queues.due_of(flow_task(age=timedelta(hours=8)), table, now)
    assert (warning.status, round(warning.left.total_seconds() / 3600)) == (queues.WARNING, 2)
    assert queues.due_of(flow_task(age=timedelta(hours=11)), table, now).status == queues.OVERDUE


def test_the_queue_shows_overdue_first_then_by_deadline(staff_user, flow_task) -> None:
    queues.ensure_default_deadlines()
    TaskDeadline.objects.filter(flow_task=VERIFICATION).update(hours=100, warning_before=8)
    soon = flow_task(REVIEW, age=timedelta(hours=22))  # due in 2 h
    late = flow_task(REVIEW, age=timedelta(hours=30))  # overdue by 6 h
    later_due = flow_task(VERIFICATION, age=timedelta(hours=50))  # oldest, due in 50 h
    flow_task(team=Team.BILLING, age=timedelta(days=9))  # another team's
    assert list(queues.team_tasks(Team.DOMAINS)) == [late, soon, later_due]


def test_queue_filters(staff_user, flow_task) -> None:
    anna = staff_user(Team.DOMAINS)
    fresh = flow_task(REVIEW, age=timedelta(hours=1))
    warned = flow_task(REVIEW, age=timedelta(hours=21))
    late = flow_task(STAFF_CHECK, age=timedelta(days=3))
    held = flow_task(VERIFICATION, owner=anna, age=timedelta(hours=2))

    def ids(**params) -> list[int]:
        return [task.pk for task in queues.team_tasks(Team.DOMAINS, queues.parse_filters(params))]

    assert ids() == [late.pk, warned.pk, fresh.pk]  # waiting ones by default
    assert ids(state="assigned") == [held.pk]
    assert set(ids(state="all")) == {fresh.pk, warned.pk, late.pk, held.pk}
    assert ids(type=STAFF_CHECK) == [late.pk]
    assert ids(type="not/a.Task") == [late.pk, warned.pk, fresh.pk]  # unknown type ignored
    assert ids(older_than="2") == [late.pk]
    assert ids(deadline="overdue") == [late.pk]
    assert ids(deadline="warning") == [warned.pk]


# --- the sweep ---------------------------------------------------------------------------


def _age(task: Task, hours: float) -> None:
    Task.objects.filter(pk=task.pk).update(created=timezone.now() - timedelta(hours=hours))


@pytest.fixture
def sweep(django_capture_on_commit_callbacks) -> Callable[[], int]:
    """The sweep as if its transaction committed: the mails go out after the commit."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return queues.warn_and_escalate()

    return run


def test_warning_then_escalation_exactly_once_each(staff_user, supervisor, flow_task, sweep) -> None:
    anna = staff_user(Team.DOMAINS)
    make_user("marek.kierownik", Role.SUPERVISOR, team=Team.BILLING)  # another team's supervisor
    task = flow_task(REVIEW, owner=anna, age=timedelta(hours=1))
    assert sweep() == 0

    _age(task, 21)  # due in 3 h: inside the 4 h warning window
    assert sweep() == 1
    assert sweep() == 0
    [warning] = events(EventType.TASK_DEADLINE_WARNING)
    assert (warning.channel, warning.data["task"]) == ("system", task.pk)
    assert [message.to for message in mail.outbox] == [[anna.email]]
    assert SentEmail.objects.filter(kind="task.deadline_warning", recipient=anna.email).count() == 1

    _age(task, 25)  # overdue
    assert sweep() == 1
    assert sweep() == 0
    [escalation] = events(EventType.TASK_ESCALATED)
    assert escalation.data["holder"] == anna.username
    assert [message.to for message in mail.outbox[1:]] == [[supervisor.email]]
    assert len(events(EventType.TASK_DEADLINE_WARNING)) == 1


def test_an_unassigned_task_warns_the_whole_team(staff_user, supervisor, flow_task, sweep) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    staff_user(Team.BILLING)
    flow_task(REVIEW, age=timedelta(hours=21))
    assert sweep() == 1
    assert {message.to[0] for message in mail.outbox} == {anna.email, piotr.email, supervisor.email}


def test_the_sweep_mails_only_after_its_commit(
    staff_user, supervisor, flow_task, django_capture_on_commit_callbacks
) -> None:
    anna = staff_user(Team.DOMAINS)
    flow_task(REVIEW, owner=anna, age=timedelta(hours=21))
    with django_capture_on_commit_callbacks() as callbacks:
        assert queues.warn_and_escalate() == 1
    # Until the commit nobody is told, and nothing says anybody was.
    assert mail.outbox == []
    assert not SentEmail.objects.exists()

    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [[anna.email]]
    assert SentEmail.objects.filter(kind="task.deadline_warning", recipient=anna.email).count() == 1


def test_the_registry_round_runs_the_sweep(transfer_world, staff_user, supervisor, flow_task) -> None:
    # The round talks to the registry too: to the test sandbox, as a registrar of its own.
    from workflows.rounds import run_once

    flow_task(REVIEW, age=timedelta(hours=30))
    assert run_once()["task deadlines"] == 1
    assert len(events(EventType.TASK_ESCALATED)) == 1


# --- the pages ---------------------------------------------------------------------------


def test_claim_release_and_reassign_through_the_pages(staff_user, supervisor, client_for, flow_task) -> None:
    anna, piotr = staff_user(Team.DOMAINS), staff_user(Team.DOMAINS)
    task = flow_task(REVIEW, age=timedelta(hours=30))
    client = client_for(anna)
    page = client.get(reverse("home")).content.decode()
    assert reverse("queues:claim", args=[task.pk]) in page
    assert "po terminie o 6 h" in page

    response = client.post(reverse("queues:claim", args=[task.pk]), {"next": "/?state=all"})
    assert response.status_code == 302 and response["Location"] == "/?state=all"
    task.refresh_from_db()
    assert task.owner == anna
    page = client.get(reverse("home")).content.decode()
    assert reverse("queues:release", args=[task.pk]) in page  # in her inbox
    assert f'<option value="{piotr.pk}">' in page  # a colleague to hand it to

    response = client.post(reverse("queues:reassign", args=[task.pk]), {"to_user": piotr.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == piotr

    # Anna holds it no more: her release is refused with a message, nothing changes.
    client.post(reverse("queues:release", args=[task.pk]))
    task.refresh_from_db()
    assert task.owner == piotr

    client_for(supervisor).post(reverse("queues:release", args=[task.pk]))
    task.refresh_from_db()
    assert task.owner is None


def test_other_roles_and_teams_cannot_use_the_buttons(
    staff_user, customer_a, auditor, client_for, flow_task
) -> None:
    task = flow_task(REVIEW)
    assert client_for(customer_a).post(reverse("queues:claim", args=[task.pk])).status_code == 403
    assert client_for(auditor).post(reverse("queues:claim", args=[task.pk])).status_code == 403
    client_for(staff_user(Team.BILLING)).post(reverse("queues:claim", args=[task.pk]))
    task.refresh_from_db()
    assert task.owner is None
    assert (
        client_for(staff_user(Team.DOMAINS)).get(reverse("queues:claim", args=[task.pk])).status_code == 405
    )


def test_the_queue_page_filters(staff_user, client_for, flow_task) -> None:
    late = flow_task(STAFF_CHECK, age=timedelta(days=3))
    fresh = flow_task(REVIEW)
    response = client_for(staff_user(Team.DOMAINS)).get(reverse("home"), {"deadline": "overdue"})
    assert [row.task for row in response.context["queue"]] == [late]
    assert fresh not in [row.task for row in response.context["queue"]]
