"""The database itself refuses to change or remove a history event, whatever the client;
and a change made past the guard (by the table owner's DDL) is found by the chain check."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from workflows.guard import history_guard_lifted
from workflows.history import record_event
from workflows.models import Channel, EventType, HistoryEvent

pytestmark = pytest.mark.django_db

TABLE = connection.ops.quote_name(HistoryEvent._meta.db_table)


@pytest.fixture
def events() -> list[HistoryEvent]:
    return [
        record_event(
            event_type=EventType.DOMAIN_UPDATED,
            summary=f"zmiana {number}",
            channel=Channel.SYSTEM,
            domain_name="kowalski.pl",
            reason="na prośbę abonenta",
        )
        for number in range(3)
    ]


def refused(sql: str, params: list | None = None) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params or [])


def test_the_database_refuses_an_update_of_an_event(events) -> None:
    refused(f"UPDATE {TABLE} SET summary = %s WHERE id = %s", ["przepisane", events[1].pk])  # noqa: S608
    assert HistoryEvent.objects.get(pk=events[1].pk).summary == "zmiana 1"


def test_the_database_refuses_a_delete_of_an_event(events) -> None:
    refused(f"DELETE FROM {TABLE} WHERE id = %s", [events[0].pk])  # noqa: S608
    assert HistoryEvent.objects.count() == 3


# Outside a test transaction: PostgreSQL refuses TRUNCATE of a table with pending deferred
# foreign-key checks for a reason of its own, which would hide the trigger's answer.
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_emptying_the_table(events) -> None:
    # PostgreSQL's TRUNCATE has a trigger of its own; SQLite has no TRUNCATE, and its
    # table-emptying "DELETE FROM t" meets the DELETE trigger.
    refused(f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}")  # noqa: S608
    assert HistoryEvent.objects.count() == 3


def test_the_chain_check_names_a_one_byte_change_made_past_the_guard(events) -> None:
    call_command("verify_history")
    with history_guard_lifted(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["na prośbę abonentA", events[1].pk])  # noqa: S608
    refused(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["x", events[1].pk])  # noqa: S608 - guard is back
    with pytest.raises(CommandError, match=f"event {events[1].pk}: its content does not match"):
        call_command("verify_history")
