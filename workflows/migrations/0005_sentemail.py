import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("workflows", "0004_account_created_event_type"),
    ]

    operations = [
        migrations.CreateModel(
            name="SentEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("case_id", models.CharField(blank=True, max_length=64)),
                ("domain_name", models.CharField(blank=True, db_index=True, max_length=253, verbose_name="domain")),
                ("kind", models.CharField(max_length=64, verbose_name="kind")),
                ("recipient", models.EmailField(max_length=254, verbose_name="recipient")),
                ("subject", models.CharField(max_length=255, verbose_name="subject")),
                ("language", models.CharField(max_length=8, verbose_name="language")),
                ("body_sha256", models.CharField(max_length=64, verbose_name="SHA-256 of the body")),
                (
                    "sent_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="sent"),
                ),
                (
                    "case_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "sent e-mail",
                "verbose_name_plural": "sent e-mails",
                "ordering": ["id"],
                "indexes": [models.Index(fields=["case_type", "case_id", "id"], name="workflows_s_case_ty_782fa2_idx")],
            },
        ),
    ]
