"""A registrar's worth of data: customers, domains, transfers, cesje, their workflow
processes and tasks, and a history log of chained events, written in bulk.

It is what the page benchmarks measure against, and what the tests use to show that a
page costs the same number of queries however much data there is. The rows are the real
models, written the way the services would have left them (a closed request has its
process finished and its last event saying how it ended); only the route there is
shortened. The events are chained to the existing log exactly as ``record_event`` would
chain them, so ``verify_history`` holds on a seeded database.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from stdnum.pl import nip as nip_number
from stdnum.pl import pesel as pesel_number
from stdnum.pl import regon as regon_number
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS

from accounts.models import Registrant, User
from assignments.flows import CesjaFlow
from assignments.models import Cesja, CesjaDomain
from assignments.models import Reason as CesjaReason
from assignments.models import Side as CesjaSide
from assignments.models import State as CesjaState
from assignments.policy import CesjaPolicy
from registry.models import Domain, Registrar, Tld
from transfers.flows import IncomingTransferFlow, OutgoingTransferFlow
from transfers.models import Direction, Transfer
from transfers.models import State as TransferState
from transfers.policy import TransferPolicy
from workflows.models import Channel, EventType, HistoryChainHead, HistoryEvent
from workflows.roles import Role, Team, team_permission

# Accounts, domains and requests made by the seed carry this mark, so that they are easy to
# recognise and never mistaken for a real customer's.
PREFIX = "vol"
# Requests spread over this period back from now; the last few days hold the open ones.
SPAN = timedelta(days=730)
OPEN_WINDOW = timedelta(days=12)
# One customer stands for a reseller: this share of all requests is theirs, which makes
# their request list the longest one a page has to show.
LARGEST_CUSTOMER_SHARE = 0.02
BATCH = 5000
# Nobody logs in to a seeded account with a password; the benchmark logs in by session.
NO_PASSWORD = make_password(None)

FIRST_NAMES = ["Jan", "Anna", "Piotr", "Maria", "Krzysztof", "Katarzyna", "Tomasz", "Agnieszka", "Paweł"]
LAST_NAMES = [
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Wójcik",
    "Kamiński",
    "Lewandowski",
    "Zieliński",
    "Szymański",
]
WORDS = [
    "sklep",
    "piekarnia",
    "auto",
    "kwiaty",
    "serwis",
    "biuro",
    "studio",
    "dom",
    "ogrod",
    "meble",
    "zdrowie",
]
CITIES = ["Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Lublin"]


@dataclass
class VolumeReport:
    customers: int = 0
    domains: int = 0
    transfers: int = 0
    cesje: int = 0
    processes: int = 0
    tasks: int = 0
    open_human_tasks: int = 0
    events: int = 0
    largest_customer: str = ""
    typical_customer: str = ""
    staff: dict[str, str] = field(default_factory=dict)


@dataclass
class _Request:
    kind: str  # "in", "out", "cesja"
    obj: Transfer | Cesja
    created: datetime
    end: datetime
    closed: bool
    customer: User
    domain: Domain
    domain_name: str


def _pesel(rng: random.Random) -> str:
    year, month, day = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    body = f"{year:02d}{month:02d}{day:02d}{rng.randint(0, 9999):04d}"
    return body + pesel_number.calc_check_digit(body)


def _nip(rng: random.Random) -> str:
    # python-stdnum checks a NIP but does not compute its digit: try the ten candidates.
    body = f"{rng.randint(100, 999)}{rng.randint(0, 99999):05d}{rng.randint(0, 9)}"
    for digit in "0123456789":
        if nip_number.is_valid(body + digit):
            return body + digit
    return _nip(rng)  # a body whose check digit would be 10 is never issued


def _regon(rng: random.Random) -> str:
    body = f"{rng.randint(10000000, 99999999)}"
    return body + regon_number.calc_check_digit(body)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _bulk(model, rows: list, batch_size: int = BATCH) -> list:
    created = []
    for offset in range(0, len(rows), batch_size):
        created.extend(model.objects.bulk_create(rows[offset : offset + batch_size]))
    return created


def seed_volume(
    *,
    requests: int,
    events: int,
    seed: int = 2026,
    now: datetime | None = None,
    span: timedelta = SPAN,
    largest_share: float = LARGEST_CUSTOMER_SHARE,
    progress: Callable[[str], None] | None = None,
) -> VolumeReport:
    """Add ``requests`` transfers and cesje and ``events`` history events (at least two per
    request) to the database, started over ``span`` back from now. Running it again adds
    another batch beside the first."""
    if events < 2 * requests:
        raise ValueError("Every request needs at least two events: the start and the latest step.")
    say = progress or (lambda _text: None)
    rng = random.Random(seed)
    now = now or timezone.now()
    report = VolumeReport()
    run = f"{PREFIX}{seed}x{HistoryEvent.objects.count()}"

    with transaction.atomic():
        pl = Tld.objects.get_or_create(name="pl", defaults={"registry_name": "NASK"})[0]
        us = Registrar.objects.filter(is_us=True).first() or Registrar.objects.create(
            name="RegFlow", client_id="regflow", is_us=True
        )
        others = [
            Registrar.objects.get_or_create(
                client_id=f"{PREFIX}-rar{index}", defaults={"name": f"Registrar {index}"}
            )[0]
            for index in range(6)
        ]
        transfer_policy = TransferPolicy.current_for(pl)
        cesja_policy = CesjaPolicy.current()

        say("people")
        staff = _bulk(
            User,
            [
                User(
                    username=f"{run}-{team}-{index}",
                    password=NO_PASSWORD,
                    role=Role.SUPERVISOR if index == 0 else Role.STAFF,
                    team=team,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"{run}-{team}-{index}@regflow.example.pl",
                )
                for team in Team.values
                for index in range(6)
            ]
            + [
                User(username=f"{run}-auditor-{index}", password=NO_PASSWORD, role=Role.AUDITOR)
                for index in range(2)
            ],
        )
        domain_staff = [person for person in staff if person.team == Team.DOMAINS]
        report.staff = {
            "staff": domain_staff[1].username,
            "supervisor": domain_staff[0].username,
            "auditor": staff[-1].username,
        }

        customer_count = max(2, requests // 5)
        customers = _bulk(
            User,
            [
                User(
                    username=f"{run}-c{index}",
                    password=NO_PASSWORD,
                    role=Role.CUSTOMER,
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    email=f"{run}-c{index}@example.pl",
                )
                for index in range(customer_count)
            ],
        )
        registrants = []
        for index, customer in enumerate(customers):
            common = {
                "account": customer,
                "street": f"ul. Polna {index % 200 + 1}",
                "postal_code": f"{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}",
                "city": rng.choice(CITIES),
                "email": customer.email,
            }
            if index % 5 == 0:
                registrants.append(
                    Registrant(
                        kind=Registrant.Kind.ORGANISATION,
                        name=f"{rng.choice(WORDS).capitalize()} {customer.last_name} sp. z o.o.",
                        legal_form=Registrant.LegalForm.LLC,
                        nip=_nip(rng),
                        regon=_regon(rng),
                        **common,
                    )
                )
            else:
                registrants.append(
                    Registrant(
                        kind=Registrant.Kind.PERSON,
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                        pesel=_pesel(rng),
                        **common,
                    )
                )
        registrants = _bulk(Registrant, registrants)
        report.customers = len(customers)

        # Who asks for each request: the reseller for a share, the rest spread evenly.
        largest = customers[0]
        owners = [
            largest if rng.random() < largest_share else customers[rng.randrange(1, len(customers))]
            for _ in range(requests)
        ]
        registrant_of = {registrant.account_id: registrant for registrant in registrants}
        report.largest_customer = largest.username
        report.typical_customer = customers[1].username

        say("domains")
        kinds = rng.choices(["in", "out", "cesja"], weights=[60, 20, 20], k=requests)
        domains = _bulk(
            Domain,
            [
                Domain(
                    name=f"{rng.choice(WORDS)}-{run}-{index}.pl",
                    tld=pl,
                    sponsor=rng.choice(others) if kinds[index] == "in" else us,
                    registrant=registrant_of[owners[index].pk],
                    statuses=["ok"],
                    created_at=now - timedelta(days=rng.randint(800, 5000)),
                    expires_at=now + timedelta(days=rng.randint(1, 365)),
                )
                for index in range(requests)
            ],
        )
        report.domains = len(domains)

        say("requests")
        plan = []
        for index in range(requests):
            created = now - span * (rng.random() ** 0.8)
            recent = now - created < OPEN_WINDOW
            closed = not recent or rng.random() < 0.35
            days = rng.lognormvariate(1.4, 0.6) if kinds[index] != "cesja" else rng.lognormvariate(2.0, 0.5)
            end = min(created + timedelta(days=days), now) if closed else now
            if closed and end >= now:
                end = now - timedelta(minutes=rng.randint(1, 600))
                created = min(created, end - timedelta(minutes=30))
            plan.append((kinds[index], created, end, closed))

        transfers, cesje = [], []
        for index, (kind, created, end, closed) in enumerate(plan):
            domain, customer = domains[index], owners[index]
            if kind == "cesja":
                state = (
                    rng.choices(
                        [CesjaState.COMPLETED, CesjaState.REJECTED, CesjaState.CANCELLED, CesjaState.EXPIRED],
                        weights=[80, 5, 8, 7],
                    )[0]
                    if closed
                    else rng.choice(
                        [
                            CesjaState.AWAITING_DOCUMENTS,
                            CesjaState.IN_VERIFICATION,
                            CesjaState.IN_VERIFICATION,
                            CesjaState.AWAITING_SECOND_APPROVAL,
                        ]
                    )
                )
                other = customers[rng.randrange(1, len(customers))]
                cesje.append(
                    Cesja(
                        cedent=registrant_of[customer.pk],
                        cesjonariusz=registrant_of[other.pk],
                        cedent_account=customer,
                        cesjonariusz_account=other,
                        initiated_by=CesjaSide.CEDENT,
                        cedent_joined_at=created,
                        cesjonariusz_joined_at=created + timedelta(hours=2),
                        reason=rng.choice(CesjaReason.values),
                        policy=cesja_policy,
                        state=state,
                        created_at=created,
                        documents_deadline=created + cesja_policy.documents_period,
                        resolved_at=end if closed else None,
                    )
                )
            else:
                state = (
                    rng.choices(
                        [
                            TransferState.COMPLETED,
                            TransferState.REJECTED,
                            TransferState.CANCELLED,
                            TransferState.EXPIRED,
                            TransferState.FAILED,
                        ],
                        weights=[82, 5, 7, 4, 2],
                    )[0]
                    if closed
                    else (
                        rng.choice(
                            [TransferState.REVIEW, TransferState.AWAITING_CONFIRMATION, TransferState.PENDING]
                        )
                        if kind == "in"
                        else TransferState.PENDING
                    )
                )
                transfers.append(
                    Transfer(
                        direction=Direction.INCOMING if kind == "in" else Direction.OUTGOING,
                        domain_name=domain.name,
                        tld=pl,
                        domain=domain,
                        account=customer,
                        registrant=domain.registrant,
                        other_registrar=domain.sponsor if kind == "in" else rng.choice(others),
                        policy=transfer_policy,
                        state=state,
                        created_at=created,
                        resolved_at=end if closed else None,
                        review_required=kind == "in" and state == TransferState.REVIEW,
                        confirmation_email=customer.email,
                    )
                )
        transfers = iter(_bulk(Transfer, transfers))
        cesje = iter(_bulk(Cesja, cesje))
        items, numbered = [], []
        planned: list[_Request] = []
        for index, (kind, created, end, closed) in enumerate(plan):
            obj = next(cesje) if kind == "cesja" else next(transfers)
            planned.append(
                _Request(
                    kind=kind,
                    obj=obj,
                    created=created,
                    end=end,
                    closed=closed,
                    customer=owners[index],
                    domain=domains[index],
                    domain_name=domains[index].name,
                )
            )
            if kind == "cesja":
                obj.number = f"CES/{created.year}/{obj.pk:06d}"
                numbered.append(obj)
                items.append(
                    CesjaDomain(
                        cesja=obj, domain=domains[index], domain_name=domains[index].name, active=not closed
                    )
                )
        Cesja.objects.bulk_update(numbered, ["number"], batch_size=BATCH)
        _bulk(CesjaDomain, items)
        report.transfers = sum(1 for request in planned if request.kind != "cesja")
        report.cesje = len(numbered)

        say("processes and tasks")
        _seed_processes(planned, domain_staff, rng, report)

        say("events")
        _seed_events(planned, events, domain_staff, rng, report, progress=say)
    return report


def _seed_processes(planned: list[_Request], domain_staff: list[User], rng: random.Random, report) -> None:
    flows = {"in": IncomingTransferFlow, "out": OutgoingTransferFlow, "cesja": CesjaFlow}
    transfer_type = ContentType.objects.get_for_model(Transfer)
    cesja_type = ContentType.objects.get_for_model(Cesja)
    processes = _bulk(
        Process,
        [
            Process(
                flow_class=flows[request.kind],
                status=PROCESS.DONE if request.closed else PROCESS.NEW,
                created=request.created,
                finished=request.end if request.closed else None,
                artifact_content_type=cesja_type if request.kind == "cesja" else transfer_type,
                artifact_object_id=request.obj.pk,
            )
            for request in planned
        ],
    )
    permission = team_permission(Team.DOMAINS)
    tasks = []
    open_human = 0

    def task(process, node, *, created, finished=None, owner=None, human=False) -> Task:
        status = STATUS.DONE if finished else (STATUS.ASSIGNED if owner else STATUS.NEW)
        return Task(
            process=process,
            flow_task=node,
            flow_task_type=node.task_type,
            status=status,
            created=created,
            assigned=created if owner else None,
            finished=finished,
            owner=owner,
            owner_permission=permission if human else None,
        )

    for request, process in zip(planned, processes, strict=True):
        flow = flows[request.kind]
        tasks.append(task(process, flow.start, created=request.created, finished=request.created))
        middle = request.created + (request.end - request.created) / 3
        human_node = {
            "in": IncomingTransferFlow.review,
            "out": OutgoingTransferFlow.staff_check,
            "cesja": CesjaFlow.verification,
        }[request.kind]
        if request.closed:
            if request.kind != "in" or rng.random() < 0.2:
                tasks.append(
                    task(
                        process,
                        human_node,
                        created=request.created,
                        finished=middle,
                        owner=rng.choice(domain_staff),
                        human=True,
                    )
                )
            tasks.append(task(process, flow.end, created=request.end, finished=request.end))
            continue
        state = request.obj.state
        waiting_for_staff = state in (
            TransferState.REVIEW,
            CesjaState.IN_VERIFICATION,
            CesjaState.AWAITING_SECOND_APPROVAL,
        ) or (request.kind == "out" and rng.random() < 0.5)
        if waiting_for_staff:
            if state == CesjaState.AWAITING_SECOND_APPROVAL:
                human_node = CesjaFlow.second_verification
            owner = rng.choice(domain_staff) if rng.random() < 0.3 else None
            tasks.append(task(process, human_node, created=middle, owner=owner, human=True))
            open_human += 1
        else:
            waiting = {
                "in": IncomingTransferFlow.await_outcome,
                "out": OutgoingTransferFlow.await_outcome,
                "cesja": CesjaFlow.await_documents,
            }[request.kind]
            tasks.append(task(process, waiting, created=middle))
    _bulk(Task, tasks)
    report.processes = len(processes)
    report.tasks = len(tasks)
    report.open_human_tasks = open_human


def _seed_events(
    planned: list[_Request],
    total: int,
    domain_staff: list[User],
    rng: random.Random,
    report: VolumeReport,
    *,
    progress: Callable[[str], None],
) -> None:
    # Every request gets its start and its latest step; the rest are spread over the
    # requests, cesje drawing more (documents, checklist, reminders) than transfers.
    counts = [2] * len(planned)
    weights = [3 if request.kind == "cesja" else 2 for request in planned]
    for index in rng.choices(range(len(planned)), weights=weights, k=total - 2 * len(planned)):
        counts[index] += 1

    # The log is in time order, as it would have been written: sort (time, request, step).
    moments: list[tuple[datetime, int, int]] = []
    for index, (request, count) in enumerate(zip(planned, counts, strict=True)):
        span = request.end - request.created
        middle = sorted(rng.random() for _ in range(count - 2))
        moments.append((request.created, index, 0))
        moments.extend((request.created + span * point, index, step) for step, point in enumerate(middle, 1))
        moments.append((request.end, index, count - 1))
    moments.sort()

    types = {
        "transfer": ContentType.objects.get_for_model(Transfer).pk,
        "cesja": ContentType.objects.get_for_model(Cesja).pk,
        "domain": ContentType.objects.get_for_model(Domain).pk,
    }
    with transaction.atomic():
        head, _ = HistoryChainHead.objects.select_for_update().get_or_create(pk=1)
        previous = head.last_hash
        batch: list[HistoryEvent] = []
        written = 0
        for occurred_at, index, step in moments:
            request = planned[index]
            event = _event(request, step, counts[index], occurred_at, domain_staff, rng, types)
            event.prev_hash = previous
            event.hash = event.compute_hash()
            previous = event.hash
            batch.append(event)
            if len(batch) == BATCH:
                HistoryEvent.objects.bulk_create(batch)
                written += len(batch)
                batch = []
                if written % 100_000 == 0:
                    progress(f"events: {written:,}")
        if batch:
            HistoryEvent.objects.bulk_create(batch)
            written += len(batch)
        last = HistoryEvent.objects.order_by("-id").values_list("id", "hash").first()
        head.last_hash = previous
        head.last_event_id = last[0] if last else None
        head.save(update_fields=["last_hash", "last_event_id"])
    report.events = written


def _event(
    request: _Request,
    step: int,
    count: int,
    occurred_at: datetime,
    domain_staff: list[User],
    rng: random.Random,
    types: dict[str, int],
) -> HistoryEvent:
    is_cesja = request.kind == "cesja"
    subject_type = types["cesja"] if is_cesja else types["transfer"]
    state = request.obj.state
    customer = request.customer
    base = {
        "occurred_at": occurred_at,
        "subject_type_id": subject_type,
        "subject_id": str(request.obj.pk),
        "domain_name": request.domain_name,
        "reason": "",
    }
    if step == 0:
        by_phone = rng.random() < 0.08
        person = rng.choice(domain_staff) if by_phone else customer
        return HistoryEvent(
            actor=person,
            actor_label=f"{person.username} ({person.role})",
            channel=rng.choice([Channel.PHONE, Channel.CHAT]) if by_phone else Channel.WEB,
            event_type=EventType.CESJA_STATE_CHANGED if is_cesja else EventType.TRANSFER_STATE_CHANGED,
            summary=f"Request started for {request.domain_name}",
            changes={"state": [None, "awaiting_documents" if is_cesja else "review"]},
            data={"request": request.obj.pk},
            **base,
        )
    if step == count - 1:
        return HistoryEvent(
            actor=None,
            actor_label="system",
            channel=Channel.SYSTEM,
            event_type=EventType.CESJA_STATE_CHANGED if is_cesja else EventType.TRANSFER_STATE_CHANGED,
            summary=f"Request for {request.domain_name} is now {state}",
            changes={"state": ["pending" if not is_cesja else "executing", state]},
            data={"request": request.obj.pk},
            **base,
        )
    roll = rng.random()
    if roll < 0.35:
        # Registry traffic is recorded against the domain; the request's record finds it by name and time.
        return HistoryEvent(
            actor=None,
            actor_label="system",
            channel=Channel.SYSTEM,
            event_type=rng.choice([EventType.REGISTRY_COMMAND, EventType.REGISTRY_POLL]),
            summary=f"domain:info {request.domain_name}: 1000 Command completed successfully",
            changes={},
            data={
                "cl_trid": f"RF-{request.obj.pk}-{step}",
                "sv_trid": f"SRV-{rng.getrandbits(40):x}",
                "code": 1000,
            },
            **{**base, "subject_type_id": types["domain"], "subject_id": str(request.domain.pk)},
        )
    if roll < 0.55:
        person = rng.choice(domain_staff)
        channel = rng.choices(
            [Channel.WEB, Channel.PHONE, Channel.CHAT, Channel.POST], weights=[70, 15, 10, 5]
        )[0]
        return HistoryEvent(
            actor=person,
            actor_label=f"{person.username} ({person.role})",
            channel=channel,
            event_type=EventType.CESJA_CHECKLIST if is_cesja else EventType.TASK_CLAIMED,
            summary=f"Step {step} handled by {person.username}",
            changes={"checked": [False, True]} if is_cesja else {},
            data={"step": step},
            **base,
        )
    if roll < 0.75:
        return HistoryEvent(
            actor=customer,
            actor_label=f"{customer.username} ({customer.role})",
            channel=Channel.WEB,
            event_type=EventType.CESJA_DOCUMENT_RECEIVED if is_cesja else EventType.TRANSFER_STATE_CHANGED,
            summary=f"Customer step {step} for {request.domain_name}",
            changes={} if is_cesja else {"state": ["awaiting_confirmation", "submitting"]},
            data={"sha256": f"{rng.getrandbits(256):064x}"} if is_cesja else {},
            **base,
        )
    return HistoryEvent(
        actor=None,
        actor_label="system",
        channel=Channel.SYSTEM,
        event_type=EventType.CESJA_REMINDER if is_cesja else EventType.TRANSFER_REGISTRY_DELAYED,
        summary=f"Reminder {step} about {request.domain_name}",
        changes={},
        data={"step": step},
        **base,
    )
