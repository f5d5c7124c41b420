from django.db import migrations


# An approved cesja waiting to be carried out at the registry had a Celery job until now; from
# here on that is an outbox message, so each such cesja gets its message.
def executions_to_outbox(apps, schema_editor):
    Cesja = apps.get_model("assignments", "Cesja")
    OutboxMessage = apps.get_model("workflows", "OutboxMessage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="assignments", model="cesja")
    for pk in Cesja.objects.filter(state="executing").values_list("pk", flat=True):
        OutboxMessage.objects.create(
            kind="assignments.execute", payload={"cesja": pk}, case_type=content_type, case_id=str(pk)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0003_time_indexes"),
        ("workflows", "0011_outboxmessage"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(executions_to_outbox, migrations.RunPython.noop)]
