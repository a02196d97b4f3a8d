"""Store the canonical JSON text of each event's `data` beside it (docs/adr/0007).

PostgreSQL verifies the chain in SQL from the stored columns; jsonb's text form is not the
canonical one (key order, spaces), so the text that was hashed is kept as written. Existing
rows get it computed in Python from their `data`, with the append-only guard lifted inside
this migration only (nothing was deployed before it; see the ADR).
"""

import json

from django.db import migrations, models

BATCH = 5000


def backfill(apps, schema_editor):
    from audit import guards
    from audit.chain import canonical_data

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        if cursor.fetchone()[0] == 0:
            return
    _flush_deferred_checks(connection)
    guards.lift(connection)
    try:
        last_id = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, data FROM audit_auditevent WHERE id > %s ORDER BY id LIMIT %s",
                    [last_id, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last_id = rows[-1][0]
                values = [
                    (pk, canonical_data(json.loads(data) if isinstance(data, str) else data))
                    for pk, data in rows
                ]
                if connection.vendor == "postgresql":
                    cursor.execute(
                        "UPDATE audit_auditevent AS e SET data_canonical = v.c "
                        "FROM unnest(%s::bigint[], %s::text[]) AS v(id, c) WHERE e.id = v.id",
                        [[pk for pk, _ in values], [text for _, text in values]],
                    )
                else:
                    cursor.executemany(
                        "UPDATE audit_auditevent SET data_canonical = %s WHERE id = %s",
                        [(text, pk) for pk, text in values],
                    )
    finally:
        _flush_deferred_checks(connection)
        guards.restore(connection)


def _flush_deferred_checks(connection):
    """Deferred foreign-key checks still queued in the transaction would block the ALTER
    TABLE that lifts or restores the guard on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def reinstall_guard(apps, schema_editor):
    """SQLite rebuilds the table to add a NOT NULL column, and its triggers go with the
    old table: put the guard back (a no-op where it survived)."""
    from audit import guards

    guards.ensure(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_verification_run")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="data_canonical",
            field=models.TextField(default="{}", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
