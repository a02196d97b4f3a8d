"""Each event stores the exact bytes it was hashed from (`preimage`), and on PostgreSQL a
CHECK constraint, the seal, refuses any row whose preimage is not the canonical text of
its columns (audit.seal; docs/adr/0007, "The sealed preimage").

Existing rows get their preimage with the append-only guard lifted inside this migration
only: on PostgreSQL rebuilt in SQL from the columns (audit.sql.IMAGE), elsewhere in Python.
Adding the constraint then checks every row, so a log that no longer matches its own
columns stops the migration instead of being sealed as it is.

The column is nullable so that SQLite adds it with ALTER TABLE ADD COLUMN: a NOT NULL
column would make Django rebuild the table, which drops the guard's triggers.
"""

from django.db import migrations, models

BATCH = 5000


def backfill_and_seal(apps, schema_editor):
    from audit import guards, seal
    from audit import sql as chain_sql

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE preimage IS NULL")
        missing = cursor.fetchone()[0]
    if missing:
        guards.flush_deferred_checks(connection)
        guards.lift(connection)
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE audit_auditevent SET preimage = {chain_sql.IMAGE} "  # noqa: S608
                        "WHERE preimage IS NULL"
                    )
            else:
                _backfill_in_python(connection)
        finally:
            guards.flush_deferred_checks(connection)
            guards.restore(connection)
    else:
        guards.flush_deferred_checks(connection)
    seal.install_check(connection)


def _backfill_in_python(connection):
    from audit.chain import STORED_COLUMNS, canonical_bytes, row_fields

    columns = ", ".join(STORED_COLUMNS[:-1])
    last_seq = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, data_canonical FROM audit_auditevent "  # noqa: S608
                "WHERE seq > %s ORDER BY seq LIMIT %s",
                [last_seq, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last_seq = rows[-1][0]
            updates = []
            for row in rows:
                fields = row_fields(_typed(connection, row))
                updates.append((canonical_bytes(fields), row[0]))
            cursor.executemany("UPDATE audit_auditevent SET preimage = %s WHERE seq = %s", updates)


def _typed(connection, row):
    """A raw SQLite row as the ORM would read it: the time as an aware datetime, the data
    as the JSON value its canonical text holds."""
    import json

    from django.db.models import DateTimeField

    occurred = connection.ops.convert_datetimefield_value(row[1], DateTimeField(), connection)
    return (row[0], occurred, *row[2:7], json.loads(row[-1]), *row[8:11])


def unseal(apps, schema_editor):
    from audit import seal

    seal.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_fewer_event_indexes")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="preimage",
            field=models.BinaryField(editable=False, null=True),
        ),
        migrations.RunPython(backfill_and_seal, unseal),
        migrations.AddField(
            model_name="verificationrun",
            name="seal_problem",
            field=models.TextField(blank=True),
        ),
    ]
