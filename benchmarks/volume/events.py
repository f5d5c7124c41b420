"""The history log of the seeded requests: their start, their latest step and the steps
between (registry traffic, staff, customers, reminders), in time order, each in its case's
chain after what that chain already holds, as ``record_event`` would chain them."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from accounts.models import User
from assignments.models import Cesja
from registry.models import Domain
from transfers.models import Transfer
from workflows.history import chain_key
from workflows.models import Channel, EventType, HistoryChainHead, HistoryEvent

from .common import BATCH, PlannedRequest, VolumeReport


def seed_events(
    planned: list[PlannedRequest],
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
        "transfer": ContentType.objects.get_for_model(Transfer),
        "cesja": ContentType.objects.get_for_model(Cesja),
        "domain": ContentType.objects.get_for_model(Domain),
    }
    by_id = {content_type.pk: content_type for content_type in types.values()}
    with transaction.atomic():
        # Each event joins its case's chain after whatever that chain already holds, and the
        # heads move as record_event moves them (locked, for a chain someone is writing to).
        heads: dict[str, HistoryChainHead] = {}
        batch: list[HistoryEvent] = []
        written = 0

        def flush() -> None:
            chains = {event.chain for event in batch} - heads.keys()
            for head in HistoryChainHead.objects.select_for_update().filter(chain__in=chains):
                heads[head.chain] = head
            for event in batch:
                head = heads.setdefault(event.chain, HistoryChainHead(chain=event.chain, seq=0))
                head.seq += 1
                event.seq = head.seq
                event.prev_hash = head.last_hash
                event.hash = event.compute_hash()
                head.last_hash = event.hash
            HistoryEvent.objects.bulk_create(batch)
            for event in batch:
                heads[event.chain].last_event_id = event.pk

        for occurred_at, index, step in moments:
            request = planned[index]
            event = _event(request, step, counts[index], occurred_at, domain_staff, rng, types)
            event.chain = chain_key(
                subject_type=by_id[event.subject_type_id],
                subject_id=event.subject_id,
                actor_id=event.actor_id,
                label=event.actor_label,
            )
            batch.append(event)
            if len(batch) == BATCH:
                flush()
                written += len(batch)
                batch = []
                if written % 100_000 == 0:
                    progress(f"events: {written:,}")
        if batch:
            flush()
            written += len(batch)
        moved = [head for head in heads.values() if head.pk is not None]
        HistoryChainHead.objects.bulk_update(moved, ["seq", "last_hash", "last_event_id"], batch_size=BATCH)
        made = [head for head in heads.values() if head.pk is None]
        HistoryChainHead.objects.bulk_create(made, batch_size=BATCH)
    report.events = written


def _event(
    request: PlannedRequest,
    step: int,
    count: int,
    occurred_at: datetime,
    domain_staff: list[User],
    rng: random.Random,
    types: dict[str, ContentType],
) -> HistoryEvent:
    is_cesja = request.kind == "cesja"
    subject_type = types["cesja"] if is_cesja else types["transfer"]
    state = request.obj.state
    customer = request.customer
    base = {
        "occurred_at": occurred_at,
        "subject_type_id": subject_type.pk,
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
            **{**base, "subject_type_id": types["domain"].pk, "subject_id": str(request.domain.pk)},
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
