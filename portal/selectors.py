"""What the staff's and the supervisor's home pages read: task rows and the workload of each
team and person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.models import User
from assignments.models import Cesja, CesjaDomain
from domains.models import RegistryDifference
from registry.names import to_unicode
from transfers.models import Transfer
from workflows import queues
from workflows.roles import BACK_OFFICE_ROLES, Team, team_permission

# Domains expiring within this many days are flagged on the customer's home page.
EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class TaskRow:
    task: Task
    title: str
    due: queues.Due
    # The page of the request the task belongs to, when its process has one (a transfer, a cesja).
    request_url: str = ""
    # The request as people name it: its number (a cesja's "CES/2026/000001", a transfer's "#12")
    # and its domain as a U-label; "" for a task whose process has no request.
    case_number: str = ""
    case_domain: str = ""
    # A cesja of several domains: how many besides the one named.
    more_domains: int = 0

    @property
    def overdue(self) -> bool:
        return self.due.overdue

    @property
    def warning(self) -> bool:
        return self.due.status == queues.WARNING


def with_case_labels(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Tasks annotated with their request's number and domain (``case_number``,
    ``case_domain``, ``case_domains``), read by subqueries in the tasks' own query: the queue
    names each row by its request at no extra query however many kinds of request it holds."""
    transfer_type = ContentType.objects.get_for_model(Transfer)
    cesja_type = ContentType.objects.get_for_model(Cesja)
    artifact = OuterRef("process__artifact_object_id")
    cesja_number = Cesja.objects.filter(pk=artifact).values("number")[:1]
    cesja_domains = CesjaDomain.objects.filter(cesja_id=artifact).order_by("domain_name")
    cesja_count = (
        CesjaDomain.objects.filter(cesja_id=artifact)
        .order_by()
        .values("cesja_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    transfer_domain = Transfer.objects.filter(pk=artifact).values("domain_name")[:1]
    difference_domain = RegistryDifference.objects.filter(pk=artifact).values("domain__name")[:1]
    is_cesja = Q(process__artifact_content_type_id=cesja_type.pk)
    is_transfer = Q(process__artifact_content_type_id=transfer_type.pk)
    is_difference = Q(
        process__artifact_content_type_id=ContentType.objects.get_for_model(RegistryDifference).pk
    )
    return tasks.annotate(
        case_number=Case(
            When(is_cesja, then=Subquery(cesja_number)),
            default=Value(""),
            output_field=CharField(),
        ),
        case_domain=Case(
            When(is_cesja, then=Subquery(cesja_domains.values("domain_name")[:1])),
            When(is_transfer, then=Subquery(transfer_domain)),
            When(is_difference, then=Subquery(difference_domain)),
            default=Value(""),
            output_field=CharField(),
        ),
        case_domains=Case(
            When(is_cesja, then=Coalesce(Subquery(cesja_count), Value(0))),
            When(is_transfer | is_difference, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def task_rows(tasks, *, now: datetime | None = None, table: queues.Deadlines | None = None) -> list[TaskRow]:
    """Rows for the task table, in the order given; tasks read through ``with_case_labels``
    are named by their request. ``table``: the deadline table, if the page read it already."""
    now = now or timezone.now()
    transfer_type = ContentType.objects.get_for_model(Transfer)
    cesja_type = ContentType.objects.get_for_model(Cesja)
    difference_type = ContentType.objects.get_for_model(RegistryDifference)
    table = queues.deadline_table() if table is None else table
    rows = []
    for task in tasks:
        due = queues.due_of(task, table, now)
        # A task whose flow is no longer in the code has no title; the template names it "Task".
        title = str(task.title or "") if task.flow_task is not None else ""
        process = task.process
        request_url = ""
        if process.artifact_content_type_id == transfer_type.pk and process.artifact_object_id:
            request_url = reverse("transfers:detail", args=[process.artifact_object_id])
        elif process.artifact_content_type_id == cesja_type.pk and process.artifact_object_id:
            request_url = reverse("assignments:verify", args=[process.artifact_object_id])
        elif process.artifact_content_type_id == difference_type.pk and process.artifact_object_id:
            request_url = reverse("domains:difference", args=[process.artifact_object_id])
        number = ""
        if request_url:
            # A cesja has its number once started; a transfer is known by its own id.
            number = getattr(task, "case_number", "") or f"#{process.artifact_object_id}"
        rows.append(
            TaskRow(
                task=task,
                title=title,
                due=due,
                request_url=request_url,
                case_number=number,
                case_domain=to_unicode(domain) if (domain := getattr(task, "case_domain", "")) else "",
                more_domains=max(getattr(task, "case_domains", 0) - 1, 0),
            )
        )
    return rows


@dataclass(frozen=True)
class TeamLoad:
    team: str
    label: str
    waiting: int
    in_progress: int
    overdue: int
    oldest: datetime | None


Overdue = tuple[dict[str, int], dict[int, int]]


def workload_by_team(*, now: datetime | None = None, overdue: Overdue | None = None) -> list[TeamLoad]:
    """Open tasks of every team: waiting in the queue, taken by someone, and late.
    ``overdue`` is ``queues.overdue_counts()`` when the caller has it already."""
    late_by_team, _late_by_owner = overdue or queues.overdue_counts(now=now)
    counts = {
        row["owner_permission"]: row
        for row in queues.open_tasks()
        .filter(owner_permission__in=[team_permission(team) for team in Team.values])
        .values("owner_permission")
        .annotate(
            waiting=Count("id", filter=Q(owner__isnull=True)),
            in_progress=Count("id", filter=Q(owner__isnull=False)),
            oldest=Min("created"),
        )
    }
    loads = []
    for team in Team:
        row: dict[str, Any] = counts.get(team_permission(team), {})
        loads.append(
            TeamLoad(
                team=team.value,
                label=str(team.label),
                waiting=row.get("waiting", 0),
                in_progress=row.get("in_progress", 0),
                overdue=late_by_team.get(team_permission(team), 0),
                oldest=row.get("oldest"),
            )
        )
    return loads


def workload_by_person(*, now: datetime | None = None, overdue: Overdue | None = None) -> list[User]:
    """Every active back-office person with the number of open tasks they hold and how many
    of them are past their deadline (``open_tasks``, ``overdue_tasks``)."""
    _late_by_team, late_by_owner = overdue or queues.overdue_counts(now=now)
    # Counted from the open tasks alone: joining people to every task they ever held would
    # read the whole task history.
    held = {
        row["owner"]: row["n"]
        for row in queues.open_tasks()
        .filter(owner__isnull=False)
        .order_by()
        .values("owner")
        .annotate(n=Count("id"))
    }
    people = list(
        User.objects.filter(role__in=BACK_OFFICE_ROLES, is_active=True).annotate(
            # Teams in the order the registrar lists them, not alphabetically by code.
            team_order=Case(
                *(When(team=team, then=Value(index)) for index, team in enumerate(Team.values)),
                default=Value(len(Team.values)),
                output_field=IntegerField(),
            )
        )
    )
    for person in people:
        person.open_tasks = held.get(person.pk, 0)
        person.overdue_tasks = late_by_owner.get(person.pk, 0)
    people.sort(key=lambda person: (person.team_order, -person.open_tasks, person.last_name, person.username))
    return people
