"""Trigram indexes for the public register's search (issue 19), on PostgreSQL only.

The register searches the titles and lay summaries of approved uses with `icontains`,
which PostgreSQL runs as `UPPER(col) LIKE UPPER('%…%')`: no b-tree helps, so a search that
matches little walked the whole register (280 ms at 1M requests). A GIN index with
pg_trgm's operator class on exactly those expressions answers it from the index (3.6 ms).
Not partial: ANALYZE keeps statistics on the expressions of whole-table indexes only, and
without them the planner takes a search that matches nothing for one that matches 7% and
walks the register in date order again (300 ms). Where pg_trgm is not available or may not
be created, the search still works, as slowly as before: the migration says so and goes
on. SQLite needs none of this.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, migrations, transaction

TABLE = "access_requests_accessrequest"
INDEXES = {
    "access_request_title_trgm": "upper((title)::text)",
    "access_request_summary_trgm": "upper(lay_summary)",
}


def create(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            print("\n  pg_trgm is not available: the register's search stays unindexed.")
            return
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            print(f"\n  pg_trgm could not be created ({exc}): the search stays unindexed.")
            return
        for name, expression in INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} "
                f"USING gin ({expression} gin_trgm_ops)"
            )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("access_requests", "0011_appeals")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
