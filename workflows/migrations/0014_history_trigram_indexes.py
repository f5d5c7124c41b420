"""Trigram indexes for the auditor's event search on PostgreSQL: a domain fragment ("kowal")
and a part of who acted are found through them instead of by reading a million events.

Built CONCURRENTLY so that a deployment on a large history keeps writing events meanwhile,
hence outside a transaction. SQLite has no trigram indexes and searches the table as before;
these indexes are the database's own, not the model's, so the model state is unchanged."""

from django.db import migrations

INDEXES = {
    # Names are stored as A-labels in lower case and searched with LIKE as they are.
    "history_domain_trgm": "USING gin (domain_name gin_trgm_ops)",
    # "Who" of events without an account ("system"), matched whatever the case (Django's
    # icontains is UPPER(...) LIKE UPPER(...)); events with an account are found by its key.
    "history_actor_label_trgm": "USING gin ((UPPER(actor_label::text)) gin_trgm_ops) WHERE actor_id IS NULL",
}


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON workflows_historyevent {definition}"
        )
    # The planner reads no statistics from a partial index: without these it takes "system"
    # (more than half of all events) for a rare word and reads every such event to show 25.
    # Statistics on an expression are PostgreSQL 14's.
    if schema_editor.connection.pg_version < 140000:
        return
    schema_editor.execute(
        "CREATE STATISTICS IF NOT EXISTS history_actor_label_upper "
        "ON (UPPER(actor_label::text)) FROM workflows_historyevent"
    )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP STATISTICS IF EXISTS history_actor_label_upper")
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("workflows", "0013_history_chains"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
