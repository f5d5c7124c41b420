"""Version 2 of the .pl transfer rules where version 1 still carried the gTLD model: NASK asks
the registrant itself within about 30 days and the losing registrar has no say."""

from django.db import migrations
from django.utils import timezone


def add_version(apps, schema_editor):
    from transfers.policy import PL_RULES

    TransferPolicy = apps.get_model("transfers", "TransferPolicy")
    latest = TransferPolicy.objects.filter(tld__name="pl").order_by("-version").first()
    if latest is None or latest.pending_window == PL_RULES["pending_window"]:
        return
    TransferPolicy.objects.create(
        tld=latest.tld,
        version=latest.version + 1,
        valid_from=timezone.now(),
        note="NASK: the registrant confirms by the registry's e-mail; the losing registrar has no say",
        **{**PL_RULES, "rejection_reasons": []},
    )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0006_unprocessed_poll_message")]

    operations = [migrations.RunPython(add_version, migrations.RunPython.noop)]
