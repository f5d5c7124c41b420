"""The database refuses UPDATE, DELETE and TRUNCATE of history events (workflows.guard)."""

from django.db import migrations


def install(apps, schema_editor) -> None:
    from workflows.guard import install_guard

    install_guard(schema_editor.connection)


def remove(apps, schema_editor) -> None:
    from workflows.guard import remove_guard

    remove_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_sentemail"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
