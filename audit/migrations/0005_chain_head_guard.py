"""Guard the chain head like the events: no DELETE or TRUNCATE, and an UPDATE only when
it moves the head forward onto an event in the log with that seq and hash (audit.guards).

Without it the portal's role could rewind the head to hide a cut tail, or delete it and
stop every audited write. The row itself was created by migration 0002.
"""

from django.db import migrations


def install_head_guard(apps, schema_editor):
    from audit import guards

    guards.install_head(schema_editor.connection)


def remove_head_guard(apps, schema_editor):
    from audit import guards

    guards.remove_head(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_data_canonical")]

    operations = [migrations.RunPython(install_head_guard, remove_head_guard)]
