"""The move to one chain per case keeps the events already written, hashes and all, as the
legacy chain that verify_history goes on checking."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from workflows.history import iter_chain_problems, record_event
from workflows.models import GENESIS_HASH, LEGACY_CHAIN, Channel, EventType, HistoryChainHead, HistoryEvent

BEFORE = [("workflows", "0012_event_type_without_choices")]
TABLE = connection.ops.quote_name(HistoryEvent._meta.db_table)


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "workflows"]


def _old_hash(prev_hash: str, occurred_at: datetime, summary: str) -> str:
    """The hash as the single-chain release computed it (no chain, no place)."""
    content = {
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "actor_id": None,
        "actor_label": "system",
        "channel": "system",
        "event_type": EventType.DOMAIN_SYNCED.value,
        "subject_type_id": None,
        "subject_id": "",
        "domain_name": "kowalski.pl",
        "summary": summary,
        "reason": "",
        "changes": {},
        "data": {},
    }
    body = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_the_single_chain_becomes_the_legacy_chain() -> None:
    _migrate(BEFORE)
    try:
        previous = GENESIS_HASH
        written = []
        with connection.cursor() as cursor:
            for number in range(3):
                occurred_at = datetime(2026, 1, 1 + number, 12, tzinfo=UTC)
                summary = f"synchronised {number}"
                digest = _old_hash(previous, occurred_at, summary)
                cursor.execute(
                    f"INSERT INTO {TABLE} (occurred_at, actor_label, channel, event_type, subject_id, "  # noqa: S608
                    "domain_name, summary, reason, changes, data, prev_hash, hash) "
                    "VALUES (%s, 'system', 'system', %s, '', 'kowalski.pl', %s, '', '{}', '{}', %s, %s)",
                    [occurred_at, EventType.DOMAIN_SYNCED.value, summary, previous, digest],
                )
                written.append(digest)
                previous = digest
            cursor.execute(
                "INSERT INTO workflows_historychainhead (id, last_hash, last_event_id) "  # noqa: S608
                f"VALUES (1, %s, (SELECT MAX(id) FROM {TABLE}))",
                [previous],
            )
    finally:
        _migrate(_latest())

    legacy = list(HistoryEvent.objects.order_by("id"))
    assert [(e.chain, e.seq, e.hash) for e in legacy] == [
        (LEGACY_CHAIN, 1, written[0]),
        (LEGACY_CHAIN, 2, written[1]),
        (LEGACY_CHAIN, 3, written[2]),
    ]
    head = HistoryChainHead.objects.get(chain=LEGACY_CHAIN)
    assert (head.seq, head.last_hash, head.last_event_id) == (3, written[2], legacy[2].pk)
    # New events start chains of their own beside it; the whole log checks out.
    record_event(event_type=EventType.DOMAIN_SYNCED, summary="after", channel=Channel.SYSTEM)
    assert list(iter_chain_problems()) == []
    call_command("verify_history")
    # The guard is back after the migration lifted it...
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute(f"DELETE FROM {TABLE} WHERE id = %s", [legacy[1].pk])  # noqa: S608
    # ...and a legacy event changed past it is still found.
    from workflows.guard import history_guard_lifted

    with history_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET summary = 'synchronised X' WHERE id = %s", [legacy[1].pk])  # noqa: S608
    with pytest.raises(CommandError, match=f"chain legacy broken at event {legacy[1].pk}: its content"):
        call_command("verify_history")
