"""Writing and checking the history log: one hash chain per case (``chain_key``), each with a
head row that ``record_event`` locks for that case only, and the signed checkpoints of the
heads (``checkpoints``) that ``iter_chain_problems`` checks the chains against."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.utils import timezone, translation

from .checkpoints import signature
from .models import GENESIS_HASH, Channel, EventType, HistoryChainHead, HistoryCheckpoint, HistoryEvent


def actor_label_for(actor) -> str:
    if actor is None:
        return "system"
    role = getattr(actor, "role", "")
    return f"{actor.get_username()} ({role})" if role else actor.get_username()


# Events with no subject go to their actor's chain, or, with no account either, to one of a
# few system chains picked by the label: no single row that every such writer must lock.
SYSTEM_CHAINS = 16


def chain_key(*, subject_type: ContentType | None, subject_id: str, actor_id: int | None, label: str) -> str:
    """The chain an event belongs to: its case (the subject), else its actor, else a system chain."""
    if subject_type is not None:
        return f"{subject_type.app_label}.{subject_type.model}:{subject_id}"
    if actor_id is not None:
        return f"actor:{actor_id}"
    return f"system:{zlib.crc32(label.encode()) % SYSTEM_CHAINS}"


def record_event(
    *,
    event_type: EventType | str,
    summary: str,
    actor=None,
    actor_label: str = "",
    channel: Channel | str = Channel.WEB,
    subject: models.Model | None = None,
    domain_name: str = "",
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> HistoryEvent:
    """Append one event to the history, chained to the one before it in its case's chain.

    Call it inside the transaction that makes the change, so that the change and its event
    are committed together or not at all. The chain's head stays locked until that commit:
    the case's next event waits for it, other cases' events do not.
    """
    if actor is None and not actor_label and channel != Channel.SYSTEM:
        raise ValueError(
            "An event without an actor must come through the system channel, or name who acted "
            "(actor_label) when that person has no account, e.g. a registrant following a link."
        )
    subject_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    event = HistoryEvent(
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=actor_label or actor_label_for(actor),
        channel=channel,
        event_type=event_type,
        subject_type=subject_type,
        subject_id=str(subject.pk) if subject is not None else "",
        domain_name=domain_name,
        summary=summary,
        reason=reason,
        changes=dict(changes or {}),
        data=dict(data or {}),
    )
    event.chain = chain_key(
        subject_type=subject_type,
        subject_id=event.subject_id,
        actor_id=event.actor_id,
        label=event.actor_label,
    )
    connection = connections[router.db_for_write(HistoryEvent)]
    # No savepoint inside a caller's transaction: a failed event fails the step anyway.
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        event.seq, event.prev_hash = _take_place(cursor, event.chain)
        event.hash = event.compute_hash()
        if connection.vendor == "postgresql":
            _insert_and_advance(cursor, connection, event)
        else:
            event.save(force_insert=True, using=connection.alias)
            cursor.execute(_ADVANCE_HEAD, [event.hash, event.pk, event.chain])
    return event


_HEAD = HistoryChainHead._meta.db_table
# The chain's next place and its last hash, in one statement that also locks the head row
# until the commit (a new chain's head is made on the way). Both databases speak it.
_TAKE_PLACE = (
    f"INSERT INTO {_HEAD} (chain, seq, last_hash, last_event_id, checkpointed_seq) "  # noqa: S608
    f"VALUES (%s, 1, %s, NULL, 0) ON CONFLICT (chain) DO UPDATE SET seq = {_HEAD}.seq + 1 "
    "RETURNING seq, last_hash"
)
_ADVANCE_HEAD = f"UPDATE {_HEAD} SET last_hash = %s, last_event_id = %s WHERE chain = %s"  # noqa: S608


def _take_place(cursor, chain: str) -> tuple[int, str]:
    cursor.execute(_TAKE_PLACE, [chain, GENESIS_HASH])
    seq, last_hash = cursor.fetchone()
    return seq, last_hash


def _insert_and_advance(cursor, connection, event: HistoryEvent) -> None:
    """PostgreSQL: the event's INSERT and the head's UPDATE as one statement."""
    fields = [field for field in HistoryEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    params = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in fields]
    table = HistoryEvent._meta.db_table
    cursor.execute(
        f"WITH event AS (INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id) "  # noqa: S608
        f"UPDATE {_HEAD} SET last_hash = %s, last_event_id = (SELECT id FROM event) WHERE chain = %s "
        "RETURNING last_event_id",
        [*params, event.hash, event.chain],
    )
    event.pk = cursor.fetchone()[0]
    event._state.adding = False
    event._state.db = connection.alias


def history_text(text: Any, **params: Any) -> str:
    """A summary in the product's own language, so the log reads the same whoever acted and
    in whatever language their panel was."""
    with translation.override(settings.LANGUAGE_CODE):
        rendered = {key: str(value) for key, value in params.items()}
        return str(text) % rendered if params else str(text)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


@dataclass(frozen=True)
class BrokenLink:
    """One link that does not hold: the event (0 when none can be named), its chain, and the
    checkpoint concerned, if the problem is a checkpoint's."""

    event_id: int
    problem: str
    chain: str = ""
    checkpoint_id: int | None = None


@dataclass(frozen=True)
class Fixed:
    """What the checkpoints last recorded of one chain."""

    seq: int
    hash: str
    event_id: int
    checkpoint_id: int


def iter_checkpoint_problems(fixed: dict[str, Fixed] | None = None) -> Iterator[BrokenLink]:
    """Check every checkpoint's hash, signature and link to the one before it, and gather
    into ``fixed`` what they recorded of each chain (the latest checkpoint's word counts)."""
    fixed = {} if fixed is None else fixed
    expected_prev = GENESIS_HASH
    for checkpoint in HistoryCheckpoint.objects.order_by("id").iterator(chunk_size=100):

        def broken(problem: str, checkpoint: HistoryCheckpoint = checkpoint) -> BrokenLink:
            return BrokenLink(0, problem, checkpoint_id=checkpoint.pk)

        if checkpoint.prev_hash != expected_prev:
            yield broken("does not link to the checkpoint before it (a checkpoint is missing or moved)")
        if checkpoint.compute_hash() != checkpoint.hash:
            yield broken("its content does not match its hash")
        elif checkpoint.signature != signature(checkpoint.hash):
            yield broken("its signature does not match (not written with the checkpoint key)")
        try:
            for chain, seq, head_hash, event_id in checkpoint.heads:
                fixed[chain] = Fixed(seq, head_hash, event_id or 0, checkpoint.pk)
        except (TypeError, ValueError):
            yield broken("its list of chain heads cannot be read")
        expected_prev = checkpoint.hash


@dataclass
class _Walk:
    """Where the walk of one chain has got to."""

    chain: str
    head: tuple[int, str, int | None] | None  # the head row's seq, last hash, last event id
    fixed: Fixed | None  # what the checkpoints last recorded of this chain
    seq: int = 0
    hash: str = GENESIS_HASH
    last_id: int = 0
    beyond_head: bool = False


def iter_chain_problems(batch_size: int = 2000) -> Iterator[BrokenLink]:
    """Check the checkpoints, then walk every chain in order and yield every link that does
    not hold: an event's content against its hash, its link to the event before it in its
    chain, its place (no gap, no event written earlier standing later), the chain's head
    row, and what the checkpoints recorded of each chain."""
    fixed: dict[str, Fixed] = {}
    yield from iter_checkpoint_problems(fixed)
    heads = {
        chain: (seq, last_hash, last_event_id)
        for chain, seq, last_hash, last_event_id in HistoryChainHead.objects.values_list(
            "chain", "seq", "last_hash", "last_event_id"
        ).iterator(chunk_size=batch_size)
    }
    walk: _Walk | None = None
    for event in HistoryEvent.objects.order_by("chain", "seq").iterator(chunk_size=batch_size):
        if walk is None or event.chain != walk.chain:
            if walk is not None:
                yield from _chain_end(walk)
            chain = event.chain
            walk = _Walk(chain=chain, head=heads.pop(chain, None), fixed=fixed.pop(chain, None))
        yield from _check_event(event, walk)
    if walk is not None:
        yield from _chain_end(walk)
    # Chains of which not one event is left.
    for chain, (seq, _hash, last_event_id) in heads.items():
        if seq:
            missing = f"every event of its chain is missing ({_places(1, seq)})"
            yield BrokenLink(last_event_id or 0, missing, chain)
    for chain, mark in fixed.items():
        if chain not in heads:
            yield _missing_checkpointed(chain, mark, 0)


def _check_event(event: HistoryEvent, walk: _Walk) -> Iterator[BrokenLink]:
    def broken(problem: str) -> BrokenLink:
        return BrokenLink(event.pk, problem, event.chain)

    if event.seq > walk.seq + 1:
        missing = _places(walk.seq + 1, event.seq - 1)
        yield broken(f"the events before it in its chain are missing ({missing})")
    elif event.seq <= walk.seq:
        yield broken(f"takes place {event.seq} of its chain, which another event holds")
    if event.prev_hash != walk.hash:
        yield broken("does not link to the event before it in its chain")
    if event.compute_hash() != event.hash:
        yield broken("its content does not match its hash")
    if event.pk < walk.last_id:
        yield broken(
            f"was written before event {walk.last_id}, which its chain puts ahead of it "
            "(events reordered or inserted)"
        )
    if walk.fixed is not None and walk.fixed.seq == event.seq and walk.fixed.hash != event.hash:
        yield broken(f"is not the event checkpoint {walk.fixed.checkpoint_id} recorded in place {event.seq}")
    if not walk.beyond_head and (walk.head is None or event.seq > walk.head[0]):
        # The head moves with every event written through record_event; one beyond it was not.
        walk.beyond_head = True
        yield broken("lies beyond its chain's head: it was not written through the log")
    walk.seq, walk.hash, walk.last_id = event.seq, event.hash, max(walk.last_id, event.pk)


def _chain_end(walk: _Walk) -> Iterator[BrokenLink]:
    if walk.head is not None:
        seq, last_hash, last_event_id = walk.head
        if seq > walk.seq:
            yield BrokenLink(
                last_event_id or 0,
                f"the newest events of its chain are missing ({_places(walk.seq + 1, seq)})",
                walk.chain,
            )
        elif seq == walk.seq and last_hash != walk.hash:
            yield BrokenLink(last_event_id or 0, "the newest event of its chain was replaced", walk.chain)
    if walk.fixed is not None and walk.fixed.seq > walk.seq:
        yield _missing_checkpointed(walk.chain, walk.fixed, walk.seq)


def _places(first: int, last: int) -> str:
    return f"place {first}" if first == last else f"places {first}-{last}"


def _missing_checkpointed(chain: str, mark: Fixed, last_seq: int) -> BrokenLink:
    return BrokenLink(
        mark.event_id,
        f"events of its chain that checkpoint {mark.checkpoint_id} recorded are missing "
        f"({_places(last_seq + 1, mark.seq)})",
        chain,
        mark.checkpoint_id,
    )
