"""What the auditor reads: requests (transfers and cesje) found by many criteria, the
complete record of one request, and the event-level history with each event's place in the
hash chain. Nothing here writes."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import idna
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CharField, IntegerField, Model, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from accounts.models import Registrant, User
from assignments.models import Cesja
from assignments.models import State as CesjaState
from documents.models import GeneratedDocument, ReceivedDocument
from registry.models import RegistryCommand
from registry.names import parse_domain_name, to_unicode
from transfers.models import State as TransferState
from transfers.models import Transfer
from workflows.models import GENESIS_HASH, Channel, HistoryEvent, SentEmail
from workflows.readable import ReadableChange, readable_changes
from workflows.roles import BACK_OFFICE_ROLES

from .parties import Parties, among, found_parties

TRANSFER = "transfer"
CESJA = "cesja"
KINDS = (TRANSFER, CESJA)
# A request's start runs registry checks (domain info, contact info) just before its row
# is written; commands on its domains this long before the start belong to it.
START_CHECKS_LEAD = timedelta(minutes=5)


def state_choices() -> list[tuple[str, str]]:
    """Both kinds' states; the five end states mean the same in both and appear once."""
    seen: dict[str, str] = {}
    for value, label in [*TransferState.choices, *CesjaState.choices]:
        seen.setdefault(value, str(label))
    return sorted(seen.items(), key=lambda item: item[1])


@dataclass(frozen=True)
class RequestFilters:
    kind: str = ""
    domain: str = ""
    party: str = ""
    identifier: str = ""
    staff: str = ""
    state: str = ""
    channel: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _domain_forms(text: str) -> set[str]:
    """What a typed name (or part of one) may be stored as: as typed, and as A-labels."""
    text = text.strip().lower().rstrip(".")
    forms = {text}
    # A part of a name that is not valid IDNA is still searched for as typed.
    with contextlib.suppress(idna.IDNAError):
        forms.add(
            ".".join(idna.encode(label, uts46=True).decode() if label else "" for label in text.split("."))
        )
    return {form for form in forms if form}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _with_events(model: type[Model], *q: Q, **conditions: Any) -> Q:
    """Requests of this kind with an event matching the conditions. The matching events are
    found first, by the log's own indexes, and their requests taken by key: asking the log
    once per request would read it a hundred thousand times."""
    subjects = (
        HistoryEvent.objects.filter(*q, subject_type=ContentType.objects.get_for_model(model), **conditions)
        .annotate(subject_pk=Cast("subject_id", IntegerField()))
        .values("subject_pk")
    )
    return Q(pk__in=subjects)


def _staff_q(text: str) -> Q:
    """Events by a member of the back office whose login or name contains ``text``. The few
    people of the back office are searched, not every customer's account, and named by key,
    so that the log is read through its index by actor."""
    people = list(
        User.objects.filter(role__in=BACK_OFFICE_ROLES)
        .filter(Q(username__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text))
        .values_list("pk", flat=True)
    )
    return Q(actor__in=people)


def _named(text: str) -> QuerySet[User]:
    """People whose first and last names hold every word of ``text`` ("Jan Kowalski"): the
    event list shows people by name, so an auditor searches by it."""
    words = text.split()
    if len(words) < 2:
        return User.objects.none()
    people = User.objects.all()
    for word in words:
        people = people.filter(Q(first_name__iexact=word) | Q(last_name__iexact=word))
    return people.values("pk")


def _identified(number: str) -> QuerySet[Registrant]:
    return Registrant.objects.filter(
        Q(pesel=number) | Q(nip=number) | Q(regon=number) | Q(krs=number)
    ).values("pk")


def _period(filters: RequestFilters) -> Q:
    q = Q()
    tz = timezone.get_current_timezone()
    if filters.date_from:
        q &= Q(created_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        q &= Q(created_at__lt=datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz))
    return q


def _filtered_transfers(filters: RequestFilters, parties: Parties | None = None) -> QuerySet[Transfer]:
    transfers = Transfer.objects.filter(_period(filters))
    if filters.domain:
        q = Q()
        # Names are stored as A-labels in lower case, the forms too: a plain LIKE finds them,
        # which PostgreSQL answers from the name's trigram index.
        for form in _domain_forms(filters.domain):
            q |= Q(domain_name__contains=form)
        transfers = transfers.filter(q)
    if filters.party:
        parties = parties or found_parties(filters.party)
        transfers = transfers.filter(
            among("registrant", parties.profiles) | among("account", parties.accounts)
        )
    if filters.identifier:
        transfers = transfers.filter(registrant__in=_identified(_digits(filters.identifier)))
    if filters.state:
        transfers = transfers.filter(state=filters.state)
    if filters.staff:
        transfers = transfers.filter(_with_events(Transfer, _staff_q(filters.staff)))
    if filters.channel:
        transfers = transfers.filter(_with_events(Transfer, channel=filters.channel))
    return transfers


def _filtered_cesje(filters: RequestFilters, parties: Parties | None = None) -> QuerySet[Cesja]:
    cesje = Cesja.objects.filter(_period(filters))
    if filters.domain:
        q = Q()
        for form in _domain_forms(filters.domain):
            q |= Q(items__domain_name__contains=form)
        cesje = cesje.filter(pk__in=Cesja.objects.filter(q).values("pk"))
    if filters.party:
        profiles = (parties or found_parties(filters.party)).profiles
        cesje = cesje.filter(among("cedent", profiles) | among("cesjonariusz", profiles))
    if filters.identifier:
        identified = _identified(_digits(filters.identifier))
        cesje = cesje.filter(Q(cedent__in=identified) | Q(cesjonariusz__in=identified))
    if filters.state:
        cesje = cesje.filter(state=filters.state)
    if filters.staff:
        cesje = cesje.filter(_with_events(Cesja, _staff_q(filters.staff)))
    if filters.channel:
        cesje = cesje.filter(_with_events(Cesja, channel=filters.channel))
    return cesje


class RequestRows:
    """The found requests of both kinds, newest first, as ``{"kind", "pk", "created_at"}``
    rows, for a paginator: a page is one slice of a ``UNION ALL`` (a request is of one kind, so
    there is nothing to remove twice, and the sort runs once), and the count is the sum of each
    kind's own count, which the database answers from its indexes instead of sorting the union."""

    ordered = True  # the paginator warns about unordered lists

    def __init__(self, parts: list[QuerySet]) -> None:
        self.parts = parts
        if not parts:
            self.rows = Transfer.objects.none().values("pk")
        else:
            first, *others = parts
            rows = first.union(*others, all=True) if others else first
            self.rows = rows.order_by("-created_at", "-pk")
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = sum(part.count() for part in self.parts)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        return self.rows[key]

    def __iter__(self):
        return iter(self.rows)


def search_requests(filters: RequestFilters) -> RequestRows:
    """One list of both kinds, newest first (``RequestRows``); ``load_requests`` fetches a
    page's objects."""
    parts = []
    # Matched once for both kinds and both counts: a common surname is thousands of profiles.
    parties = found_parties(filters.party) if filters.party else None
    if filters.kind in ("", TRANSFER):
        parts.append(
            _filtered_transfers(filters, parties)
            .order_by()
            .annotate(kind=Value(TRANSFER, output_field=CharField()))
            .values("kind", "pk", "created_at")
        )
    if filters.kind in ("", CESJA):
        parts.append(
            _filtered_cesje(filters, parties)
            .order_by()
            .annotate(kind=Value(CESJA, output_field=CharField()))
            .values("kind", "pk", "created_at")
        )
    return RequestRows(parts)


@dataclass(frozen=True)
class RequestRow:
    kind: str
    pk: int
    obj: Transfer | Cesja

    @property
    def ref(self) -> str:
        return f"{self.kind}-{self.pk}"

    @property
    def label(self) -> str:
        if self.kind == TRANSFER:
            return f"T-{self.pk}"
        return self.obj.number or f"C-{self.pk}"

    @property
    def domains(self) -> list[str]:
        if self.kind == TRANSFER:
            return [self.obj.display_name]
        return [item.display_name for item in self.obj.items.all()]

    @property
    def parties(self) -> list[str]:
        if self.kind == TRANSFER:
            registrant = self.obj.registrant
            if registrant is not None:
                return [registrant.display_name]
            account = self.obj.account
            return [str(account)] if account is not None else []
        return [party.display_name for party in (self.obj.cedent, self.obj.cesjonariusz) if party is not None]

    @property
    def state_label(self) -> str:
        return self.obj.get_state_display()

    @property
    def created_at(self) -> datetime:
        return self.obj.created_at


def _transfers() -> QuerySet[Transfer]:
    return Transfer.objects.select_related("registrant", "account", "tld", "other_registrar")


def _cesje() -> QuerySet[Cesja]:
    return Cesja.objects.select_related("cedent", "cesjonariusz").prefetch_related("items")


def load_requests(rows: Iterable[dict[str, Any]]) -> list[RequestRow]:
    """The objects behind union rows, two queries (plus one prefetch) whatever their number."""
    rows = list(rows)
    transfer_ids = [row["pk"] for row in rows if row["kind"] == TRANSFER]
    cesja_ids = [row["pk"] for row in rows if row["kind"] == CESJA]
    objects = {}
    if transfer_ids:
        objects.update({(TRANSFER, t.pk): t for t in _transfers().filter(pk__in=transfer_ids)})
    if cesja_ids:
        objects.update({(CESJA, c.pk): c for c in _cesje().filter(pk__in=cesja_ids)})
    return [
        RequestRow(kind=row["kind"], pk=row["pk"], obj=objects[(row["kind"], row["pk"])])
        for row in rows
        if (row["kind"], row["pk"]) in objects
    ]


def request_by_ref(ref: str) -> RequestRow:
    kind, _, pk = ref.partition("-")
    if kind not in KINDS or not pk.isdigit():
        raise Http404
    queryset = _transfers() if kind == TRANSFER else _cesje()
    obj = queryset.filter(pk=int(pk)).first()
    if obj is None:
        raise Http404
    return RequestRow(kind=kind, pk=obj.pk, obj=obj)


# ---------------------------------------------------------------------- one request's record


# A field's before and after, in words (``workflows.readable``).
Change = ReadableChange


@dataclass
class RequestRecord:
    request: RequestRow
    events: list[HistoryEvent]
    changes: dict[int, list[Change]]
    generated: list[GeneratedDocument]
    received: list[ReceivedDocument]
    commands: list[RegistryCommand]
    emails: list[SentEmail]
    domain_names: list[str] = field(default_factory=list)

    @property
    def event_rows(self) -> list[tuple[HistoryEvent, list[Change]]]:
        return [(event, self.changes.get(event.pk, [])) for event in self.events]

    @property
    def period(self) -> tuple[datetime, datetime | None]:
        return self.request.obj.created_at, self.request.obj.resolved_at


def _window(obj: Transfer | Cesja) -> Q:
    start = obj.created_at - START_CHECKS_LEAD
    q = Q(sent_at__gte=start)
    if obj.resolved_at is not None:
        q &= Q(sent_at__lte=obj.resolved_at + START_CHECKS_LEAD)
    return q


def request_record(row: RequestRow) -> RequestRecord:
    """Everything recorded about one request: its events in order, each document version
    and upload, every registry command sent for it and every mail sent about it."""
    obj = row.obj
    case_type = ContentType.objects.get_for_model(obj)
    names = [obj.domain_name] if row.kind == TRANSFER else [item.domain_name for item in obj.items.all()]
    # Registry commands and messages are recorded against the domain, not the request: the
    # ones on its domains while it was open are part of its story.
    start = obj.created_at - START_CHECKS_LEAD
    domain_events = Q(domain_name__in=names, subject_type__model="domain", occurred_at__gte=start)
    if obj.resolved_at is not None:
        domain_events &= Q(occurred_at__lte=obj.resolved_at + START_CHECKS_LEAD)
    events = list(
        HistoryEvent.objects.filter(Q(subject_type=case_type, subject_id=str(obj.pk)) | domain_events)
        .select_related("actor")
        .order_by("id")
    )
    key_prefix = f"{row.kind}:{obj.pk}:"
    commands = list(
        RegistryCommand.objects.filter(
            Q(idempotency_key__startswith=key_prefix) | (Q(object_name__in=names) & _window(obj))
        )
        .select_related("actor")
        .order_by("sent_at", "id")
    )
    return RequestRecord(
        request=row,
        events=events,
        changes={event.pk: readable_changes(event) for event in events},
        generated=list(
            GeneratedDocument.objects.filter(case_type=case_type, case_id=obj.pk)
            .select_related("created_by")
            .order_by("kind", "version")
        ),
        received=list(
            ReceivedDocument.objects.filter(case_type=case_type, case_id=obj.pk)
            .select_related("uploaded_by", "received_by", "form")
            .order_by("id")
        ),
        commands=commands,
        emails=list(SentEmail.objects.filter(case_type=case_type, case_id=str(obj.pk)).order_by("id")),
        domain_names=[to_unicode(name) for name in names],
    )


def channel_label(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else value


def records_for(rows: Sequence[RequestRow]) -> list[RequestRecord]:
    return [request_record(row) for row in rows]


# --- the event-level history ------------------------------------------------------------


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
        events = events.filter(_domain_q(filters.domain))
    if filters.actor:
        # The people are found first and named by key, so that the log is read through its
        # index by actor (a join to every event's actor would read the whole log).
        people = list(
            User.objects.filter(Q(username__iexact=filters.actor) | Q(pk__in=_named(filters.actor)))
            .order_by()
            .values_list("pk", flat=True)
        )
        # An event with an account is found by that account (its label is the account's
        # name as it was); the label is searched for the events of no account ("system").
        events = events.filter(
            Q(actor__in=people) | Q(actor__isnull=True, actor_label__icontains=filters.actor)
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


def _domain_q(value: str) -> Q:
    """Events of a domain typed in full, or of every domain containing a fragment.

    Names are stored as A-labels in lower case: a full name typed with Polish letters is
    converted and found by the name's index; a fragment ("kowal", "xn--tyrower") is searched
    as typed, in lower case, with a plain LIKE, which PostgreSQL answers from the name's
    trigram index."""
    try:
        return Q(domain_name=parse_domain_name(value).ascii)
    except ValidationError:
        return Q(domain_name__contains=value.strip().lower())


@dataclass(frozen=True)
class ChainCheck:
    content_matches: bool
    previous: HistoryEvent | None
    following: HistoryEvent | None
    links_to_previous: bool


def check_event(event: HistoryEvent) -> ChainCheck:
    """Whether this event's hash still covers its content and links to the event before it
    in its chain (its case's), which holds the place just before its own."""
    previous = HistoryEvent.objects.filter(chain=event.chain, seq__lt=event.seq).order_by("-seq").first()
    following = HistoryEvent.objects.filter(chain=event.chain, seq__gt=event.seq).order_by("seq").first()
    expected_prev = previous.hash if previous is not None else GENESIS_HASH
    expected_place = previous.seq + 1 if previous is not None else 1
    return ChainCheck(
        content_matches=event.compute_hash() == event.hash,
        previous=previous,
        following=following,
        links_to_previous=event.prev_hash == expected_prev and event.seq == expected_place,
    )
