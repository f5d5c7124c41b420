"""What each home page reads: queues, workload, a customer's domains, the history search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
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
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.models import Registrant, User
from accounts.roles import BACK_OFFICE_ROLES, Team, team_permission
from assignments import selectors as cesja_selectors
from assignments.models import TERMINAL_STATES as CESJA_TERMINAL_STATES
from assignments.models import Cesja
from registry.models import Domain, Tld
from registry.names import DomainName, parse_domain_name
from transfers import selectors as transfer_selectors
from transfers.models import TERMINAL_STATES, Transfer
from workflows import queues
from workflows.models import GENESIS_HASH, HistoryEvent

from .display import StatusText, describe_statuses

# Domains expiring within this many days are flagged on the customer's home page.
EXPIRY_WARNING = timedelta(days=30)


@dataclass(frozen=True)
class TaskRow:
    task: Task
    title: str
    due: queues.Due
    # The page of the request the task belongs to, when its process has one (a transfer, a cesja).
    request_url: str = ""

    @property
    def overdue(self) -> bool:
        return self.due.overdue

    @property
    def warning(self) -> bool:
        return self.due.status == queues.WARNING


def task_rows(tasks, *, now: datetime | None = None) -> list[TaskRow]:
    """Rows for the task table, in the order given."""
    now = now or timezone.now()
    transfer_type = ContentType.objects.get_for_model(Transfer)
    cesja_type = ContentType.objects.get_for_model(Cesja)
    table = queues.deadline_table()
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
        rows.append(TaskRow(task=task, title=title, due=due, request_url=request_url))
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


# --- customers ---------------------------------------------------------------------------


def registrants_of(user: User) -> QuerySet[Registrant]:
    return Registrant.objects.filter(account=user).prefetch_related("representatives").order_by("id")


@dataclass(frozen=True)
class DomainRow:
    domain: Domain
    statuses: list[StatusText]
    expires_soon: bool
    # Only a domain we hold can get a transfer code from us or be locked by its registrant.
    held_by_us: bool = False
    transfer_locked: bool = False


def customer_domains(user: User) -> QuerySet[Domain]:
    """The customer's domains, the soonest to expire first."""
    return (
        Domain.objects.of_account(user)
        .select_related("sponsor", "registrant", "tld")
        .order_by("expires_at", "name", "pk")
    )


def domain_rows(domains, *, now: datetime | None = None) -> list[DomainRow]:
    now = now or timezone.now()
    return [
        DomainRow(
            domain=domain,
            statuses=describe_statuses(domain.statuses),
            expires_soon=domain.expires_at is not None and domain.expires_at <= now + EXPIRY_WARNING,
            held_by_us=domain.sponsor.is_us,
            transfer_locked="clientTransferProhibited" in (domain.statuses or []),
        )
        for domain in domains
    ]


# How a request's state looks: "warning" when someone (often the customer) must act,
# "info" while it is under way, "ok" when done, "danger" when it ended without success.
_TRANSFER_TONES = {
    Transfer.State.REVIEW: "warning",
    Transfer.State.AWAITING_CONFIRMATION: "warning",
    Transfer.State.AUTHINFO_INVALID: "warning",
    Transfer.State.SUBMITTING: "info",
    Transfer.State.PENDING: "info",
    Transfer.State.CANCELLING: "info",
    Transfer.State.APPROVING: "info",
    Transfer.State.REJECTING: "info",
    Transfer.State.COMPLETED: "ok",
    Transfer.State.REJECTED: "danger",
    Transfer.State.EXPIRED: "danger",
    Transfer.State.FAILED: "danger",
    Transfer.State.CANCELLED: "neutral",
}


def transfer_tone(state: str) -> str:
    return _TRANSFER_TONES.get(state, "neutral")


@dataclass(frozen=True)
class TransferRow:
    transfer: Transfer
    tone: str
    next_step: Any
    last_change: datetime


def customer_transfers(user: User) -> QuerySet[Transfer]:
    """The customer's transfer requests, open ones first, then by their last recorded change."""
    transfer_type = ContentType.objects.get_for_model(Transfer)
    last_event = (
        HistoryEvent.objects.filter(
            subject_type=transfer_type, subject_id=Cast(OuterRef("pk"), output_field=CharField())
        )
        .order_by("-id")
        .values("occurred_at")[:1]
    )
    return (
        transfer_selectors.transfers_for_account(user)
        .select_related("other_registrar")
        .annotate(
            last_change=Coalesce(Subquery(last_event), "created_at"),
            is_closed=Case(
                When(state__in=sorted(TERMINAL_STATES), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("is_closed", "-last_change", "-id")
    )


def transfer_rows(transfers) -> list[TransferRow]:
    """Rows for the transfer table, each with its next step; ``transfers`` come from
    ``customer_transfers`` (a page of it, or the first few)."""
    return [
        TransferRow(
            transfer=transfer,
            tone=transfer_tone(transfer.state),
            next_step=transfer_selectors.next_step(transfer),
            last_change=transfer.last_change,
        )
        for transfer in transfers
    ]


_CESJA_TONES = {
    Cesja.State.AWAITING_PARTY: "warning",
    Cesja.State.AWAITING_DOCUMENTS: "warning",
    Cesja.State.CORRECTION_REQUESTED: "warning",
    Cesja.State.IN_VERIFICATION: "info",
    Cesja.State.AWAITING_SECOND_APPROVAL: "info",
    Cesja.State.EXECUTING: "info",
    Cesja.State.COMPLETED: "ok",
    Cesja.State.REJECTED: "danger",
    Cesja.State.EXPIRED: "danger",
    Cesja.State.FAILED: "danger",
    Cesja.State.CANCELLED: "neutral",
}


def cesja_tone(state: str) -> str:
    """As for transfers: "warning" when a party must act, "info" while under way."""
    return _CESJA_TONES.get(state, "neutral")


@dataclass(frozen=True)
class CesjaRow:
    cesja: Cesja
    side: str
    tone: str
    next_step: str
    domains: list[str]


def customer_cesje(user: User) -> QuerySet[Cesja]:
    """The cesje the customer is a party to, open ones first, then the newest."""
    return (
        cesja_selectors.cesje_for_account(user)
        .annotate(
            is_closed=Case(
                When(state__in=sorted(CESJA_TERMINAL_STATES), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("is_closed", "-created_at", "-id")
    )


def cesja_rows(cesje, user: User) -> list[CesjaRow]:
    """Rows for the cesja table as ``user`` sees them: their side and their next step."""
    return [
        CesjaRow(
            cesja=cesja,
            side=cesja.side_of(user),
            tone=cesja_tone(cesja.state),
            next_step=cesja_selectors.next_step(cesja, user),
            domains=[item.display_name for item in cesja.items.all()],
        )
        for cesja in cesje
    ]


def served_tlds() -> list[str]:
    return list(Tld.objects.filter(active=True).order_by("name").values_list("name", flat=True))


def served_tld(name: str) -> Tld | None:
    return Tld.objects.filter(name=name, active=True).first()


def find_domain(name: DomainName) -> Domain | None:
    return Domain.objects.select_related("sponsor", "registrant").filter(name=name.ascii).first()


# --- history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryFilters:
    domain: str = ""
    actor: str = ""
    event_type: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_history(filters: HistoryFilters) -> QuerySet[HistoryEvent]:
    """Events matching every filter given, newest first. Dates are whole local days."""
    events = HistoryEvent.objects.select_related("actor", "subject_type")
    if filters.domain:
        events = events.filter(domain_name__icontains=_domain_search_term(filters.domain))
    if filters.actor:
        events = events.filter(
            Q(actor__username__iexact=filters.actor) | Q(actor_label__icontains=filters.actor)
        )
    if filters.event_type:
        events = events.filter(event_type=filters.event_type)
    if filters.channel:
        events = events.filter(channel=filters.channel)
    if filters.date_from:
        events = events.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(occurred_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return events.order_by("-occurred_at", "-id")


def _domain_search_term(value: str) -> str:
    # Names are stored as A-labels; a full name typed with Polish letters is converted, while
    # a fragment ("kowal") is searched as typed.
    try:
        return parse_domain_name(value).ascii
    except ValidationError:
        return value.strip().lower()


@dataclass(frozen=True)
class ChainCheck:
    content_matches: bool
    previous: HistoryEvent | None
    following: HistoryEvent | None
    links_to_previous: bool


def check_event(event: HistoryEvent) -> ChainCheck:
    """Whether this event's hash still covers its content and links to the event before it."""
    previous = HistoryEvent.objects.filter(id__lt=event.id).order_by("-id").first()
    following = HistoryEvent.objects.filter(id__gt=event.id).order_by("id").first()
    expected_prev = previous.hash if previous is not None else GENESIS_HASH
    return ChainCheck(
        content_matches=event.compute_hash() == event.hash,
        previous=previous,
        following=following,
        links_to_previous=event.prev_hash == expected_prev,
    )
