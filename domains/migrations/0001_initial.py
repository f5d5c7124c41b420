# The authinfo codes move from transfers to domains: the table and its rows stay as they are
# (transfers_authinfocode); only Django's picture of which app holds the model changes.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("registry", "0001_initial"),
        ("transfers", "0004_registry_commands_in_outbox"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuthInfoCode",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code_digest", models.CharField(editable=False, max_length=64)),
                        ("issued_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="issued")),
                        ("expires_at", models.DateTimeField(db_index=True, verbose_name="valid until")),
                        ("reset_at", models.DateTimeField(blank=True, null=True, verbose_name="reset")),
                        (
                            "reset_reason",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("expired", "its validity ended"),
                                    ("transferred", "the domain was transferred"),
                                    ("replaced", "a new code was issued"),
                                ],
                                max_length=16,
                                verbose_name="why reset",
                            ),
                        ),
                        (
                            "domain",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="authinfo_codes",
                                to="registry.domain",
                            ),
                        ),
                        (
                            "issued_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "policy",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="transfers.transferpolicy",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "authinfo code",
                        "verbose_name_plural": "authinfo codes",
                        "ordering": ["-issued_at"],
                        "db_table": "transfers_authinfocode",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
