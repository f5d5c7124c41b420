"""The auditor's search by a part of a domain name reads transfers through a trigram index on
PostgreSQL (workflows.trigram)."""

from django.db import migrations

from workflows.trigram import trigram_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("transfers", "0007_pl_rules_as_nask_runs_transfers"),
    ]

    operations = [trigram_index("transfers_transfer", "transfer_domain_trgm", "domain_name")]
