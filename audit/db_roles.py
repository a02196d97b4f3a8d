"""The two database roles of a PostgreSQL deployment (docs/adr/0009).

The audit guard (audit.guards) is a set of triggers, and a table's owner (or a superuser)
can switch its triggers off. So the tables belong to an owner role that only migrations
use (MIGRATION_DATABASE_URL), and the portal connects as a role that owns nothing
(DATABASE_URL) and holds just the rights below: on ordinary tables SELECT, INSERT, UPDATE
and DELETE; on the audit log no more than appending needs.

`grant_statements` is idempotent SQL run by the owner: after every `manage.py migrate`
(so tables of new migrations are covered, and the audit tables narrowed again after the
default privileges gave them everything) and by `manage.py setup_db_roles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_RIGHTS = "USAGE, SELECT"
# Append-only tables and all the portal may do with them: the events are inserted and read;
# the head is read, locked (FOR UPDATE needs UPDATE) and moved, the triggers checking how.
AUDIT_TABLE_RIGHTS = {
    "audit_auditevent": "SELECT, INSERT",
    "audit_chainhead": "SELECT, UPDATE",
    # The transparency log: its nodes and published tree heads are only ever added.
    "audit_merklenode": "SELECT, INSERT",
    "audit_treehead": "SELECT, INSERT",
}
# What the owner's URL contributes: who connects, and where (the owner may bypass a pooler
# the portal goes through). The database is always DATABASE_URL's (or the test database).
OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")

# Role, database and schema names are written into SQL (GRANT takes no parameters):
# plain identifiers only, quoted as they are.
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def identifier(name: str) -> str:
    if not _ROLE_NAME.match(name or ""):
        raise ValueError(f"Not a plain identifier: {name!r} (letters, digits and _ only).")
    return f'"{name}"'


def owner_role() -> str:
    """The role migrations run as: MIGRATION_DATABASE_URL's, else DATABASE_URL's own."""
    owner = settings.MIGRATION_DATABASE or settings.DATABASES["default"]
    return str(owner.get("USER") or "")


def grant_statements(
    *,
    app_role: str,
    owner_role: str,
    database: str,
    schema: str = "public",
    existing_tables: set[str] | None = None,
) -> list[str]:
    """The SQL that gives `app_role` its rights on everything `owner_role` has made and
    will make in `schema`. Revoking first makes it converge from any earlier state (a
    right granted by hand, the default privileges' full rights on a new audit table).
    `existing_tables`, when given, skips audit tables that a migration has not made yet."""
    app, owner = identifier(app_role), identifier(owner_role)
    db, ns = identifier(database), identifier(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {db} TO {app}",
        f"GRANT USAGE ON SCHEMA {ns} TO {app}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {ns} FROM {app}",
        f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {ns} TO {app}",
    ]
    for table, rights in AUDIT_TABLE_RIGHTS.items():
        if existing_tables is not None and table not in existing_tables:
            continue
        statements += [
            f"REVOKE ALL ON {ns}.{table} FROM {app}",
            f"GRANT {rights} ON {ns}.{table} TO {app}",
        ]
    statements += [
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {ns} FROM {app}",
        f"GRANT {SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {ns} TO {app}",
        # Tables and sequences that later migrations create get the ordinary rights at once.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {ns} "
        f"GRANT {TABLE_RIGHTS} ON TABLES TO {app}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {ns} "
        f"GRANT {SEQUENCE_RIGHTS} ON SEQUENCES TO {app}",
    ]
    return statements


def apply_grants(connection: Any, *, app_role: str, owner_role: str) -> list[str]:
    """Run grant_statements on `connection` (as the owner) in one transaction: the portal
    never sees its rights half granted. Returns the statements run."""
    from django.db import transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
            "AND relname = ANY(%s)",
            [list(AUDIT_TABLE_RIGHTS)],
        )
        existing = {name for (name,) in cursor.fetchall()}
    statements = grant_statements(
        app_role=app_role,
        owner_role=owner_role,
        database=database,
        schema=schema,
        existing_tables=existing,
    )
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return statements


def problems(connection: Any, *, app_role: str) -> list[str]:
    """What would let `app_role` lift the audit guard or rewrite the log, in words; empty
    when it holds no more than grant_statements gives."""
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = %s",
            [app_role],
        )
        row = cursor.fetchone()
        if row is None:
            return [f"role {app_role} does not exist"]
        attributes = ("SUPERUSER", "CREATEROLE", "CREATEDB", "BYPASSRLS")
        for flag, name in zip(row, attributes, strict=True):
            if flag:
                found.append(f"{app_role} has {name}")
        cursor.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s) "
            "AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%' "
            "ORDER BY 1 LIMIT 5",
            [app_role],
        )
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            found.append(f"{app_role} owns tables or other relations: {', '.join(owned)}")
        cursor.execute(
            "SELECT pg_has_role(%s, datdba, 'MEMBER') FROM pg_database "
            "WHERE datname = current_database()",
            [app_role],
        )
        if cursor.fetchone()[0]:
            found.append(f"{app_role} owns the database (or is a member of its owner)")
        for table, allowed in AUDIT_TABLE_RIGHTS.items():
            cursor.execute("SELECT to_regclass(%s)", [table])
            if cursor.fetchone()[0] is None:
                continue
            cursor.execute(
                "SELECT pg_has_role(%s, relowner, 'MEMBER') FROM pg_class WHERE oid = %s::regclass",
                [app_role, table],
            )
            if cursor.fetchone()[0]:
                found.append(f"{app_role} owns {table} (or is a member of its owner)")
            for right in ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
                if right in allowed:
                    continue
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, right])
                if cursor.fetchone()[0]:
                    found.append(f"{app_role} may {right} {table}")
    return found


@contextmanager
def connected_as_owner(connection: Any) -> Iterator[bool]:
    """Reconnect `connection` as MIGRATION_DATABASE_URL's role for the block (the same
    database), and back as before after it. Yields whether the role changed: without that
    URL, or on SQLite, the block runs on the connection as it is."""
    owner = settings.MIGRATION_DATABASE
    if not owner or connection.vendor != "postgresql":
        yield False
        return
    saved = {key: connection.settings_dict.get(key) for key in OWNER_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key, "") for key in OWNER_KEYS})
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)
