# The authinfo codes are the domains app's now (domains/0001): the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("transfers", "0004_registry_commands_in_outbox"),
        ("domains", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuthInfoCode")],
            database_operations=[],
        ),
    ]
