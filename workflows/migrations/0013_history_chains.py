"""The history becomes one hash chain per case, with signed checkpoints.

The events already written stay as they are, hashes and all (an exported hash still
matches): they form the legacy chain, numbered in id order, whose head is the old global
head. Numbering them is the one UPDATE of history rows ever made; it lifts the append-only
guard (workflows.guard) inside this migration's transaction and puts it back, and changes
no hashed content (the legacy chain's hashes do not cover the place).
"""

from django.db import migrations, models
from django.utils import timezone

LEGACY_CHAIN = "legacy"


def number_the_legacy_chain(apps, schema_editor) -> None:
    from workflows.guard import history_guard_lifted

    connection = schema_editor.connection
    HistoryEvent = apps.get_model("workflows", "HistoryEvent")
    HistoryChainHead = apps.get_model("workflows", "HistoryChainHead")
    table = HistoryEvent._meta.db_table
    with history_guard_lifted(connection.alias), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seq = numbered.place FROM ("  # noqa: S608
            f"SELECT id, row_number() OVER (ORDER BY id) AS place FROM {table}) AS numbered "
            f"WHERE {table}.id = numbered.id"
        )
    legacy = HistoryEvent.objects.using(connection.alias).count()
    HistoryChainHead.objects.using(connection.alias).filter(chain=LEGACY_CHAIN).update(seq=legacy)


def refuse_to_unchain(apps, schema_editor) -> None:
    # Events written since cover their chain and place in their hashes: without those
    # columns no one could check them again.
    HistoryEvent = apps.get_model("workflows", "HistoryEvent")
    if HistoryEvent.objects.using(schema_editor.connection.alias).exclude(chain=LEGACY_CHAIN).exists():
        raise RuntimeError("history events were written in chains since; they cannot go back to one chain")


def install_guard(apps, schema_editor) -> None:
    # Also what SQLite needs after rebuilding the table for the new columns, which drops its triggers.
    from workflows.guard import install_guard

    install_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0012_event_type_without_choices"),
    ]

    operations = [
        # Going back, the guard is put back last (SQLite's table rebuilds drop its triggers).
        migrations.RunPython(migrations.RunPython.noop, install_guard, elidable=False),
        migrations.AddField(
            model_name="historyevent",
            name="chain",
            field=models.CharField(default=LEGACY_CHAIN, editable=False, max_length=200, verbose_name="chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historyevent",
            name="seq",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="place in the chain"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historychainhead",
            name="chain",
            field=models.CharField(default=LEGACY_CHAIN, max_length=200, unique=True),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historychainhead",
            name="seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="historychainhead",
            name="checkpointed_seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="HistoryCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=timezone.now)),
                ("heads", models.JSONField(default=list)),
                ("prev_hash", models.CharField(max_length=64, unique=True)),
                ("hash", models.CharField(max_length=64, unique=True)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "history checkpoint", "ordering": ["id"]},
        ),
        migrations.RunPython(number_the_legacy_chain, refuse_to_unchain, elidable=False),
        migrations.AddConstraint(
            model_name="historyevent",
            constraint=models.UniqueConstraint(fields=("chain", "seq"), name="history_one_event_per_place"),
        ),
        migrations.RunPython(install_guard, migrations.RunPython.noop, elidable=False),
    ]
