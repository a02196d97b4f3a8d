"""The seeded test database, kept in memory so that transactional tests can put it back.

A transactional test (live server, real concurrency) empties the database when it ends, and
the ordinary tests that may follow on the same pytest-xdist worker rely on the demo data.
Seeding it again through the services takes 3–5 s on PostgreSQL, which, over the hundred
or so transactional tests, was a quarter of the suite's time. Instead, right after the
session's seed, every table is copied out (`COPY … TO STDOUT`, binary), and the flush puts
the same rows back (`COPY … FROM STDIN`) in one transaction: about half a second.

The rows come back byte for byte, with the same ids and the same audit chain, so content
types, permissions and the chain head agree with what the process has cached. Sequences
are left as they are: they only move forward, so new rows never take a restored id.
SQLite keeps seeding again (the suite there is small and local)."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction

from audit import guards
from tests.support.roles import as_owner

# Only migrations' own bookkeeping is left alone: it is never emptied by a flush either.
_KEPT = {"django_migrations"}


# By database alias: each non-empty table's name and its rows as one binary COPY.
_taken: dict[str, list[tuple[str, bytes]]] = {}


def _tables(connection: Any) -> list[str]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return [name for name in names if name not in _KEPT]


def take(connection: Any) -> None:
    """Copy every table of this database out, as it is now (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = []
    with as_owner(connection), connection.cursor() as cursor:
        for name in _tables(connection):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(name)})")
            (has_rows,) = cursor.fetchone()
            if has_rows:
                buffer = io.BytesIO()
                cursor.copy_expert(f"COPY {quote(name)} TO STDOUT WITH (FORMAT binary)", buffer)
                tables.append((name, buffer.getvalue()))
    _taken[connection.alias] = tables


def restore(connection: Any) -> bool:
    """Empty every table and put the copied rows back, in one transaction; False when
    there is no copy to put back (SQLite, or nothing was taken)."""
    tables = _taken.get(connection.alias)
    if tables is None:
        return False
    quote = connection.ops.quote_name
    with as_owner(connection), transaction.atomic(using=connection.alias):
        # The append-only guards refuse TRUNCATE of the audit tables; the tables' owner may
        # switch them off, inside this transaction only.
        guards.lift(connection)
        with connection.cursor() as cursor:
            # Foreign keys are checked at commit, so the order of the copies does not matter.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"TRUNCATE {', '.join(quote(t) for t in _tables(connection))}")
            for name, rows in tables:
                cursor.copy_expert(
                    f"COPY {quote(name)} FROM STDIN WITH (FORMAT binary)", io.BytesIO(rows)
                )
            # The checks run now: a table with pending checks may not be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        guards.restore(connection)
    return True
