"""Trigram indexes for searches by a part of a name ("kowal" in "jan-kowalski.pl"), for
migrations: PostgreSQL answers ``LIKE '%kowal%'`` from such an index instead of reading the
whole table. They are the database's own, not the models': SQLite has none and reads the
table as it always did, and the model state stays the same on both."""

from __future__ import annotations

from django.db import migrations


def trigram_index(table: str, name: str, column: str) -> migrations.RunPython:
    """An operation that builds a GIN trigram index on ``table.column`` on PostgreSQL, without
    stopping writes to the table meanwhile (its migration must be ``atomic = False``)."""

    def create(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )

    def drop(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
