"""The auditor's search by a part of a domain name reads a cesja's domains through a trigram
index on PostgreSQL (workflows.trigram)."""

from django.db import migrations

from workflows.trigram import trigram_index


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("assignments", "0004_execution_in_outbox"),
    ]

    operations = [trigram_index("assignments_cesjadomain", "cesja_domain_trgm", "domain_name")]
