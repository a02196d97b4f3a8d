"""Create the chain head row and the triggers that refuse UPDATE, DELETE and TRUNCATE."""

from django.db import migrations


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(pk=1)


def install_guard(apps, schema_editor):
    from audit import guards

    guards.install(schema_editor.connection)


def remove_guard(apps, schema_editor):
    from audit import guards

    guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
