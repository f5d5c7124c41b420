"""Team queues of human tasks: claiming, releasing, reassigning, deadlines and their sweep.

A task belongs to the team whose permission it carries (viewflow's ``owner_permission``).
Holding a task is viewflow's own assignment (``owner``); the services below move it through
viewflow's activation transitions under the flow's lock, and write one history event each.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.fields import get_task_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import events
from .history import history_text
from .mail import send_plain_mail
from .models import EventType, TaskDeadline, TaskDeadlineState
from .roles import SUPERVISOR_PERMISSION, Role, Team, team_permission

logger = logging.getLogger(__name__)

# A task type with no configured deadline (e.g. a flow added later) gets this one.
DEFAULT_DEADLINE = timedelta(hours=48)
DEFAULT_WARNING = timedelta(hours=8)

# The human tasks the flows have today, with their deadlines (hours) and warnings (hours);
# written to TaskDeadline on first use, then edited in the admin. The labels are stored in
# English and shown in the reader's language (``task_type_label``); the flows name their tasks
# with the same words.
KNOWN_TASKS: dict[str, tuple[str, int, int]] = {
    "transfers/flows.IncomingTransferFlow.review": (gettext_noop("Incoming transfer: review"), 24, 4),
    "transfers/flows.OutgoingTransferFlow.staff_check": (
        gettext_noop("Outgoing transfer: staff check"),
        24,
        4,
    ),
    "assignments/flows.CesjaFlow.verification": (gettext_noop("Cesja: verification"), 48, 8),
    "assignments/flows.CesjaFlow.second_verification": (gettext_noop("Cesja: second approval"), 24, 4),
    "domains/flows.RegistryDifferenceFlow.check": (gettext_noop("Registry difference: check"), 72, 24),
}

OK, WARNING, OVERDUE = "ok", "warning", "overdue"

_OPEN_TASK = Q(finished__isnull=True) & ~Q(status__in=[STATUS.DONE, STATUS.CANCELED])


class QueueRefused(Exception):
    """A claim, release or reassignment that is not allowed; the message says why."""


# --- deadlines ---------------------------------------------------------------------------


def ensure_default_deadlines() -> None:
    existing = set(TaskDeadline.objects.values_list("flow_task", flat=True))
    for ref, (label, hours, warning) in KNOWN_TASKS.items():
        if ref not in existing:
            TaskDeadline.objects.get_or_create(
                flow_task=ref, defaults={"label": label, "hours": hours, "warning_before": warning}
            )


def deadline_table() -> dict[str, tuple[timedelta, timedelta]]:
    """Deadline and warning per task type. Read on every queue page: one query once the
    defaults are in place."""
    rows = list(TaskDeadline.objects.all())
    if not KNOWN_TASKS.keys() <= {row.flow_task for row in rows}:
        ensure_default_deadlines()
        rows = list(TaskDeadline.objects.all())
    return {row.flow_task: (timedelta(hours=row.hours), timedelta(hours=row.warning_before)) for row in rows}


def _when(moment: datetime) -> str:
    """A moment as every page writes it, in the active language."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def task_type_label(row: TaskDeadline) -> str:
    """A task type's name in the reader's language: a label as stored by default is a message
    of the catalogue; one an administrator typed is shown as typed."""
    return gettext(row.label) if row.label else row.flow_task


def task_ref(task: Task) -> str:
    return get_task_ref(task.flow_task) if task.flow_task is not None else ""


@dataclass(frozen=True)
class Due:
    due_at: datetime
    status: str  # ok / warning / overdue
    # Time left before the deadline (negative when overdue).
    left: timedelta

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE

    @property
    def late_by(self) -> timedelta:
        return -self.left


def due_of(task: Task, table: dict[str, tuple[timedelta, timedelta]], now: datetime) -> Due:
    deadline, warning = table.get(task_ref(task), (DEFAULT_DEADLINE, DEFAULT_WARNING))
    due_at = task.created + deadline
    left = due_at - now
    if left <= timedelta(0):
        status = OVERDUE
    elif left <= warning:
        status = WARNING
    else:
        status = OK
    return Due(due_at=due_at, status=status, left=left)


# --- selectors ---------------------------------------------------------------------------


def open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(_OPEN_TASK)


def team_of(task: Task) -> str:
    for team in Team.values:
        if task.owner_permission == team_permission(team):
            return team
    return ""


@dataclass(frozen=True)
class QueueFilters:
    flow_task: str = ""
    state: str = "new"  # new / assigned / "" (both)
    older_than_days: int | None = None
    deadline: str = ""  # overdue / warning / "" (all)


Deadlines = dict[str, tuple[timedelta, timedelta]]


def with_deadlines(tasks: QuerySet[Task], table: Deadlines | None = None) -> QuerySet[Task]:
    """Tasks annotated with ``due_at`` and ``warn_at`` (when the warning window opens),
    computed by the database from the deadline table, so that ordering, filtering and
    paging by deadline stay in SQL however many tasks are open. A page that shows several
    lists passes the ``table`` it read once."""
    table = deadline_table() if table is None else table

    def per_type(pick, default: timedelta) -> Case:
        return Case(
            *(When(flow_task=ref, then=Value(pick(limits))) for ref, limits in table.items()),
            default=Value(default),
            output_field=DurationField(),
        )

    due_at = ExpressionWrapper(
        F("created") + per_type(lambda limits: limits[0], DEFAULT_DEADLINE), output_field=DateTimeField()
    )
    warn_at = ExpressionWrapper(
        F("created") + per_type(lambda limits: limits[0] - limits[1], DEFAULT_DEADLINE - DEFAULT_WARNING),
        output_field=DateTimeField(),
    )
    return tasks.annotate(due_at=due_at, warn_at=warn_at)


def by_deadline(tasks: QuerySet[Task], table: Deadlines | None = None) -> QuerySet[Task]:
    """Overdue first, then by due time: sorting by the due time alone does both, since every
    overdue task is due before every task that is not."""
    return with_deadlines(tasks, table).order_by("due_at", "id")


def team_tasks(
    team: str,
    filters: QueueFilters | None = None,
    *,
    now: datetime | None = None,
    table: Deadlines | None = None,
) -> QuerySet[Task]:
    """A team's open tasks, filtered, overdue first and then by deadline."""
    filters = filters or QueueFilters()
    now = now or timezone.now()
    tasks = open_tasks().filter(owner_permission=team_permission(team)).select_related("process", "owner")
    if filters.state == "new":
        tasks = tasks.filter(owner__isnull=True)
    elif filters.state == "assigned":
        tasks = tasks.filter(owner__isnull=False)
    if filters.flow_task:
        tasks = tasks.filter(flow_task=filters.flow_task)
    if filters.older_than_days is not None:
        tasks = tasks.filter(created__lte=now - timedelta(days=filters.older_than_days))
    tasks = by_deadline(tasks, table)
    if filters.deadline == OVERDUE:
        tasks = tasks.filter(due_at__lte=now)
    elif filters.deadline == WARNING:
        tasks = tasks.filter(due_at__gt=now, warn_at__lte=now)
    return tasks


def held_by(user: User, table: Deadlines | None = None) -> QuerySet[Task]:
    """The user's inbox: open tasks they hold, overdue first and then by deadline."""
    return by_deadline(open_tasks().filter(owner=user).select_related("process", "owner"), table)


def team_members(team: str) -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True, role__in=[Role.STAFF, Role.SUPERVISOR], team=team)
        .order_by("last_name", "first_name", "username")
    )


def supervisors_of(team: str) -> QuerySet[User]:
    own = get_user_model().objects.filter(is_active=True, role=Role.SUPERVISOR, team=team)
    if own.exists():
        return own
    # A team without its own supervisor escalates to every supervisor.
    return get_user_model().objects.filter(is_active=True, role=Role.SUPERVISOR)


def overdue_counts(*, now: datetime | None = None) -> tuple[dict[str, int], dict[int, int]]:
    """How many open tasks are past their deadline, per team permission and per holder."""
    now = now or timezone.now()
    late = (
        with_deadlines(open_tasks().exclude(owner_permission__isnull=True)).filter(due_at__lte=now).order_by()
    )
    by_team = {
        row["owner_permission"]: row["n"] for row in late.values("owner_permission").annotate(n=Count("id"))
    }
    by_owner = {
        row["owner"]: row["n"]
        for row in late.filter(owner__isnull=False).values("owner").annotate(n=Count("id"))
    }
    return by_team, by_owner


# --- services ----------------------------------------------------------------------------


def _in_team(user: User, task: Task) -> bool:
    return bool(task.owner_permission) and user.is_active and user.has_perm(task.owner_permission)


def _is_supervisor(user: User) -> bool:
    return user.has_perm(SUPERVISOR_PERMISSION)


def _open(task: Task) -> None:
    if task.finished is not None or task.status in (STATUS.DONE, STATUS.CANCELED):
        raise QueueRefused(_("This task is already finished."))


def claim_task(*, task: Task, user: User) -> Task:
    """The user takes a waiting task from their team's queue."""
    with transaction.atomic(), task.activation() as activation:
        _open(task)
        if not _in_team(user, task):
            raise QueueRefused(_("This task belongs to another team's queue."))
        if task.owner_id == user.pk:
            raise QueueRefused(_("You already hold this task."))
        if task.owner_id is not None:
            raise QueueRefused(_("Someone else already holds this task."))
        if not activation.assign.has_perm(user):
            raise QueueRefused(_("You may not take this task."))
        activation.assign(user)
        events.task_event(
            task,
            event_type=EventType.TASK_CLAIMED,
            summary=history_text(_("Task #%(task)s taken by %(user)s"), task=task.pk, user=user.username),
            actor=user,
        )
    return task


def _may_manage(user: User, task: Task) -> None:
    if not _in_team(user, task):
        raise QueueRefused(_("This task belongs to another team's queue."))
    if task.owner_id is None:
        raise QueueRefused(_("Nobody holds this task."))
    if task.owner_id != user.pk and not _is_supervisor(user):
        raise QueueRefused(_("Only the person holding the task or a supervisor may do this."))


def release_task(*, task: Task, user: User) -> Task:
    """The holder (or a supervisor) puts a task back in the team's queue."""
    with transaction.atomic(), task.activation() as activation:
        _open(task)
        _may_manage(user, task)
        previous = task.owner
        activation.unassign()
        events.task_event(
            task,
            event_type=EventType.TASK_RELEASED,
            summary=history_text(
                _("Task #%(task)s put back in the queue by %(user)s"), task=task.pk, user=user.username
            ),
            actor=user,
            data={"previous_holder": previous.username if previous else ""},
        )
    return task


def reassign_task(*, task: Task, user: User, to_user: User) -> Task:
    """The holder or a supervisor hands a held task to another member of the team."""
    with transaction.atomic(), task.activation() as activation:
        _open(task)
        _may_manage(user, task)
        if to_user.pk == task.owner_id:
            raise QueueRefused(_("This person already holds the task."))
        if to_user.role not in (Role.STAFF, Role.SUPERVISOR) or not _in_team(to_user, task):
            raise QueueRefused(_("The new holder must be a member of the task's team."))
        if not task.flow_task.can_assign(to_user, _unowned(task)):
            raise QueueRefused(_("This person may not take this task."))
        previous = task.owner
        activation.reassign(to_user)
        events.task_event(
            task,
            event_type=EventType.TASK_REASSIGNED,
            summary=history_text(
                _("Task #%(task)s handed from %(from)s to %(to)s by %(user)s"),
                task=task.pk,
                user=user.username,
                to=to_user.username,
                **{"from": previous.username if previous else ""},
            ),
            actor=user,
            data={"previous_holder": previous.username if previous else "", "new_holder": to_user.username},
        )
    return task


def _unowned(task: Task) -> Task:
    """A copy of the task as if nobody held it, to ask the node whether someone could take it."""
    copy = Task.objects.get(pk=task.pk)
    copy.owner = None
    copy.owner_id = None
    return copy


# --- the sweep ---------------------------------------------------------------------------


def _mail(*, task: Task, recipients: Iterable[User], kind: str, subject: str, body: str) -> int:
    """Mail the recipients through the outbox, in the sweep's transaction; returns how many
    will get one. A rolled-back sweep tells nobody; a mail server that is down delays the mail
    and never loses it; the record is written once a mail is sent."""
    artifact = task.process.artifact if task.process.artifact_object_id else None
    addresses = [person.email for person in recipients if person.email]
    for address in addresses:
        send_plain_mail(kind=kind, to=address, subject=subject, body=body, case=artifact)
    return len(addresses)


def _title(task: Task) -> str:
    return str(task.title or "") if task.flow_task is not None else ""


def warn_and_escalate(*, now: datetime | None = None) -> int:
    """Warn once when a task enters its warning window; escalate once when it is overdue.
    Returns how many warnings and escalations were made."""
    now = now or timezone.now()
    team_perms = {team_permission(team): team for team in Team.values}
    done = 0
    table = deadline_table()
    # Only tasks in their warning window or late, and of those only the ones not yet handled.
    tasks = (
        by_deadline(open_tasks().filter(owner_permission__in=team_perms))
        .filter(warn_at__lte=now)
        .exclude(Exists(TaskDeadlineState.objects.filter(task_id=OuterRef("pk"), escalated_at__isnull=False)))
        .select_related("process", "owner")
    )
    for task in tasks:
        due = due_of(task, table, now)
        if due.status == OK:
            continue
        with transaction.atomic():
            TaskDeadlineState.objects.get_or_create(task_id=task.pk)
            state = TaskDeadlineState.objects.select_for_update().get(task_id=task.pk)
            team = team_perms[task.owner_permission]
            with translation.override(settings.LANGUAGE_CODE):
                if due.status == WARNING and state.warned_at is None:
                    state.warned_at = now
                    state.save(update_fields=["warned_at"])
                    events.task_event(
                        task,
                        event_type=EventType.TASK_DEADLINE_WARNING,
                        summary=history_text(
                            _("Task #%(task)s is due at %(due)s"),
                            task=task.pk,
                            due=_when(due.due_at),
                        ),
                        data={"due_at": due.due_at.isoformat()},
                    )
                    recipients = [task.owner] if task.owner is not None else list(team_members(team))
                    _mail(
                        task=task,
                        recipients=recipients,
                        kind="task.deadline_warning",
                        subject=str(_("RegFlow: task #%(task)s is due soon") % {"task": task.pk}),
                        body=str(
                            _("The task #%(task)s (%(title)s) is due at %(due)s.")
                            % {
                                "task": task.pk,
                                "title": _title(task),
                                "due": _when(due.due_at),
                            }
                        ),
                    )
                    done += 1
                elif due.status == OVERDUE and state.escalated_at is None:
                    state.escalated_at = now
                    state.save(update_fields=["escalated_at"])
                    events.task_event(
                        task,
                        event_type=EventType.TASK_ESCALATED,
                        summary=history_text(
                            _("Task #%(task)s is past its deadline; escalated to the supervisor"),
                            task=task.pk,
                        ),
                        data={
                            "due_at": due.due_at.isoformat(),
                            "holder": task.owner.username if task.owner else "",
                        },
                    )
                    _mail(
                        task=task,
                        recipients=list(supervisors_of(team)),
                        kind="task.escalated",
                        subject=str(_("RegFlow: task #%(task)s is overdue") % {"task": task.pk}),
                        body=str(
                            _("The task #%(task)s (%(title)s) was due at %(due)s and is not finished.")
                            % {
                                "task": task.pk,
                                "title": _title(task),
                                "due": _when(due.due_at),
                            }
                        ),
                    )
                    done += 1
    return done


# Older than this no task can be: a larger number asks for nothing (and a date before the
# calendar's first day).
MAX_AGE_DAYS = 36500


def parse_filters(data) -> QueueFilters:
    """Filters from a query string; anything unknown is ignored."""
    state = data.get("state", "new")
    if state not in ("new", "assigned", "all"):
        state = "new"
    deadline = data.get("deadline", "")
    if deadline not in (OVERDUE, WARNING):
        deadline = ""
    older = data.get("older_than", "")
    try:
        older_days = int(older) if older != "" else None
    except ValueError:
        older_days = None
    if older_days is not None and older_days < 0:
        older_days = None
    if older_days is not None:
        older_days = min(older_days, MAX_AGE_DAYS)
    flow_task = data.get("type", "")
    if flow_task and flow_task not in deadline_table():
        flow_task = ""
    return QueueFilters(
        flow_task=flow_task,
        state="" if state == "all" else state,
        older_than_days=older_days,
        deadline=deadline,
    )
