from django.conf import settings
from django.db import migrations, models

# The queues read open tasks only: a few hundred among the hundreds of thousands a
# registrar's finished processes leave behind. Partial indexes hold just the open ones (both
# PostgreSQL and SQLite have them); viewflow's table is not ours to declare in a model.
OPEN_TASK_INDEXES = [
    (
        "CREATE INDEX workflows_open_task_team ON viewflow_task (owner_permission, created) "
        "WHERE finished IS NULL",
        "DROP INDEX workflows_open_task_team",
    ),
    (
        "CREATE INDEX workflows_open_task_owner ON viewflow_task (owner_id) WHERE finished IS NULL",
        "DROP INDEX workflows_open_task_owner",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("viewflow", "0015_task_scheduled"),
        ("workflows", "0008_task_event_types"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="historyevent",
            index=models.Index(fields=["channel", "subject_type", "subject_id"], name="history_channel_subject"),
        ),
        migrations.AddIndex(
            model_name="historyevent",
            index=models.Index(fields=["actor", "subject_type", "subject_id"], name="history_actor_subject"),
        ),
        *(migrations.RunSQL(create, reverse_sql=drop) for create, drop in OPEN_TASK_INDEXES),
    ]
