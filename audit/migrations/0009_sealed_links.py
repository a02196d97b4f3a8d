"""On PostgreSQL the seal gains its second part, the links: each event refers to its
predecessor's seq and hash by a foreign key (audit.seal; docs/adr/0007, "The sealed
links"), so that the database refuses a broken link, a removed event with a successor,
and a seq out of step, and the verifier no longer compares each event with the one before.

The generated column `pred_seq` and the unique index over (seq, hash) that the key needs
are added here; adding the key checks every existing row, so a log whose links are already
broken stops the migration instead of being sealed as it is. SQLite has no seal: Python
checks every link there.
"""

from django.db import migrations


def add_links(apps, schema_editor):
    from audit import guards
    from audit import sql as chain_sql

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    # PostgreSQL refuses ALTER TABLE while checks deferred in this transaction are queued.
    guards.flush_deferred_checks(connection)
    with connection.cursor() as cursor:
        for statement in chain_sql.ADD_LINK_COLUMN:
            cursor.execute(statement)
        cursor.execute(chain_sql.ADD_LINKS)


def remove_links(apps, schema_editor):
    from audit import guards
    from audit import sql as chain_sql

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    guards.flush_deferred_checks(connection)
    with connection.cursor() as cursor:
        cursor.execute(chain_sql.DROP_LINKS)
        for statement in chain_sql.DROP_LINK_COLUMN:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_sealed_preimage")]

    operations = [migrations.RunPython(add_links, remove_links)]
