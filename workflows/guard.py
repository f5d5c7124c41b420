"""The database's own refusal to change or remove history events.

The ORM already refuses (``HistoryEvent.save``/``delete`` and the queryset), but a raw
UPDATE from a shell, a script or a bug would not ask the ORM. Triggers make the database
itself refuse UPDATE, DELETE and (on PostgreSQL) TRUNCATE of the event table.

There is deliberately no switch the trigger honours: a session setting is something any
connection may set, so it would protect nothing. The only way around the guard is DDL
(dropping or disabling the trigger), which needs the table owner, leaves a trace in the
server's DDL log, and whose effect the hash chain still exposes (``manage.py
verify_history``). ``history_guard_lifted`` is that DDL, for the test suite's flush between
tests and for the tests that prove the chain check finds a changed byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "workflows_historyevent"
MESSAGE = "history events are append-only: they are never changed or deleted"

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION workflows_history_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS workflows_history_no_change ON {TABLE}",
    f"""
    CREATE TRIGGER workflows_history_no_change BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION workflows_history_refuse()
    """,
    f"DROP TRIGGER IF EXISTS workflows_history_no_truncate ON {TABLE}",
    f"""
    CREATE TRIGGER workflows_history_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION workflows_history_refuse()
    """,
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS workflows_history_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS workflows_history_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS workflows_history_refuse()",
]
# SQLite has no TRUNCATE: its "DELETE FROM t" without WHERE is refused by the DELETE trigger.
_SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS workflows_history_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS workflows_history_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END
    """,
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS workflows_history_no_update",
    "DROP TRIGGER IF EXISTS workflows_history_no_delete",
]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_REMOVE
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    return []


def install_guard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def remove_guard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


@contextmanager
def history_guard_lifted(using: str = "default") -> Iterator[None]:
    """Drop the triggers, run the block, put them back, all in one transaction: should the
    block fail, the rollback restores the triggers too (DDL is transactional on both)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        remove_guard(connection)
        yield
        install_guard(connection)
