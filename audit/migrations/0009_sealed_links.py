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
    from audit import seal
    from audit import sql as chain_sql

    if _ready_to_alter(schema_editor.connection):
        _execute(schema_editor.connection, chain_sql.ADD_LINK_COLUMN)
        seal.install_links(schema_editor.connection)


def remove_links(apps, schema_editor):
    from audit import seal
    from audit import sql as chain_sql

    if _ready_to_alter(schema_editor.connection):
        seal.remove_links(schema_editor.connection)
        _execute(schema_editor.connection, chain_sql.DROP_LINK_COLUMN)


def _ready_to_alter(connection):
    """PostgreSQL only (SQLite has no seal), with the checks deferred in this transaction
    run first: PostgreSQL refuses ALTER TABLE while any are queued."""
    from audit import guards

    if connection.vendor != "postgresql":
        return False
    guards.flush_deferred_checks(connection)
    return True


def _execute(connection, statements):
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_sealed_preimage")]

    operations = [migrations.RunPython(add_links, remove_links)]
