"""Version 1 of the cesja rules (assignments.policy.DEFAULT_POLICY)."""

from datetime import UTC, datetime

from django.db import migrations


def seed(apps, schema_editor):
    from assignments.policy import DEFAULT_POLICY

    CesjaPolicy = apps.get_model("assignments", "CesjaPolicy")
    CesjaPolicy.objects.get_or_create(
        version=1,
        defaults={**DEFAULT_POLICY, "valid_from": datetime(2000, 1, 1, tzinfo=UTC), "note": "initial rules"},
    )


class Migration(migrations.Migration):
    dependencies = [("assignments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
