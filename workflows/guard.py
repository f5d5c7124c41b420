"""The database's own refusal to change or remove history events.

The ORM already refuses (``HistoryEvent.save``/``delete`` and the queryset), but a raw
UPDATE from a shell, a script or a bug would not ask the ORM. Triggers make the database
itself refuse UPDATE, DELETE and (on PostgreSQL) TRUNCATE of the event table and of the
checkpoint table.

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
CHECKPOINT_TABLE = "workflows_historycheckpoint"
MESSAGE = "history events are append-only: they are never changed or deleted"

# The trigger names of each guarded table (the event table's keep the names they first had).
_NAMES = {TABLE: "workflows_history", CHECKPOINT_TABLE: "workflows_checkpoint"}

_POSTGRES_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION workflows_history_refuse() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """


def _postgres_install(table: str, name: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name}_no_change ON {table}",
        f"""
        CREATE TRIGGER {name}_no_change BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION workflows_history_refuse()
        """,
        f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {table}",
        f"""
        CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION workflows_history_refuse()
        """,
    ]


def _postgres_remove(table: str, name: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {name}_no_change ON {table}",
        f"DROP TRIGGER IF EXISTS {name}_no_truncate ON {table}",
    ]


# SQLite has no TRUNCATE: its "DELETE FROM t" without WHERE is refused by the DELETE trigger.
def _sqlite_install(table: str, name: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS {name}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS {name}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE refused)'); END
        """,
    ]


def _sqlite_remove(table: str, name: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}_no_update", f"DROP TRIGGER IF EXISTS {name}_no_delete"]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    # A migration before the checkpoint table's guards only the tables that exist by then.
    existing = set(connection.introspection.table_names())
    tables = [(table, name) for table, name in _NAMES.items() if table in existing]
    if connection.vendor == "postgresql":
        if install:
            return [_POSTGRES_FUNCTION, *(s for each in tables for s in _postgres_install(*each))]
        return [
            *(s for each in tables for s in _postgres_remove(*each)),
            "DROP FUNCTION IF EXISTS workflows_history_refuse()",
        ]
    if connection.vendor == "sqlite":
        build = _sqlite_install if install else _sqlite_remove
        return [s for each in tables for s in build(*each)]
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
