"""Two indexes of the event table that no query needs, dropped: each appended event wrote
them both. The actor's own index is covered by audit_actor_seq (actor, seq); the hash's
`_like` index (text pattern ops, made by Django for every unique CharField on PostgreSQL)
serves LIKE prefixes, and the hash is only ever looked up whole, by its unique index.

The actor's index is dropped by name rather than by AlterField, which SQLite carries out by
rebuilding the table: that would drop the append-only guard's triggers with it (and the
chain head's guard, which names the table, refuses the rename)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_actor_index(apps, schema_editor):
    event = apps.get_model("audit", "AuditEvent")
    for name in schema_editor._constraint_names(event, ["actor_id"], index=True):
        schema_editor.execute(schema_editor._delete_index_sql(event, name))


def create_actor_index(apps, schema_editor):
    event = apps.get_model("audit", "AuditEvent")
    field = event._meta.get_field("actor")
    schema_editor.execute(schema_editor._create_index_sql(event, fields=[field]))


def drop_hash_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    event = apps.get_model("audit", "AuditEvent")
    name = schema_editor._create_index_name(event._meta.db_table, ["hash"], suffix="_like")
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_hash_pattern_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    event = apps.get_model("audit", "AuditEvent")
    schema_editor.execute(
        schema_editor._create_like_index_sql(event, event._meta.get_field("hash"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_transparency_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_actor_index, create_actor_index)],
        ),
        migrations.RunPython(drop_hash_pattern_index, create_hash_pattern_index),
    ]
