"""Version 1 of the transfer rules of every TLD already served; TLDs added later get theirs
from the same table (transfers.policy.DEFAULT_POLICIES) when first used."""

from datetime import UTC, datetime

from django.db import migrations


def seed(apps, schema_editor):
    from transfers.policy import DEFAULT_POLICIES

    Tld = apps.get_model("registry", "Tld")
    TransferPolicy = apps.get_model("transfers", "TransferPolicy")
    for tld in Tld.objects.filter(name__in=DEFAULT_POLICIES):
        rules = dict(DEFAULT_POLICIES[tld.name])
        rules["rejection_reasons"] = [str(code) for code in rules["rejection_reasons"]]
        TransferPolicy.objects.get_or_create(
            tld=tld,
            version=1,
            defaults={**rules, "valid_from": datetime(2000, 1, 1, tzinfo=UTC), "note": "initial rules"},
        )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial"), ("registry", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
