"""SQL that makes the audit table append-only, per database vendor.

Used by migration 0002 and by the test-only `flush` command, which must lift the guard
to empty the database between transactional tests (as the table's owner may).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{TABLE} is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"""CREATE TRIGGER audit_refuse_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    f"""CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_refuse_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_refuse_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]
POSTGRES_DISABLE = [f"ALTER TABLE {TABLE} DISABLE TRIGGER USER;"]
POSTGRES_ENABLE = [f"ALTER TABLE {TABLE} ENABLE TRIGGER USER;"]

# SQLite has no TRUNCATE statement (Django empties tables with DELETE, which is refused).
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_refuse_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_refuse_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: DELETE refused'); END;""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_refuse_update;",
    "DROP TRIGGER IF EXISTS audit_refuse_delete;",
]


def _run(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_INSTALL)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_INSTALL)
    else:
        raise NotImplementedError(f"No append-only guard for {connection.vendor}.")


def ensure(connection: Any) -> None:
    """Install the guard unless it is there (SQLite drops a table's triggers when Django
    rebuilds the table in a migration; PostgreSQL keeps them through ALTER TABLE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname IN "
                "('audit_refuse_update_delete', 'audit_refuse_truncate')",
                [TABLE],
            )
            present = cursor.fetchone()[0]
        if present != 2:
            _run(connection, POSTGRES_REMOVE[:2])
            _run(connection, POSTGRES_INSTALL)
    else:
        install(connection)


def remove(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_REMOVE)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_REMOVE)


def lift(connection: Any) -> None:
    """Switch the guard off (PostgreSQL: disable the triggers, which only the table's owner
    or a superuser may do; SQLite: drop them)."""
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_DISABLE)
    else:
        _run(connection, SQLITE_REMOVE)


def restore(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_ENABLE)
    else:
        _run(connection, SQLITE_INSTALL)
