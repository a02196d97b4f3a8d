"""SQL that makes the audit log append-only, per database vendor: the events table refuses
every change (migration 0002), and the chain head only moves forward, onto the event just
appended (migration 0005).

Used by those migrations and by the test-only `flush` command, which must lift the guard
to empty the database between transactional tests (as the tables' owner may).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
HEAD_TABLE = "audit_chainhead"

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
POSTGRES_DISABLE = [f"ALTER TABLE {t} DISABLE TRIGGER USER;" for t in (TABLE, HEAD_TABLE)]
POSTGRES_ENABLE = [f"ALTER TABLE {t} ENABLE TRIGGER USER;" for t in (TABLE, HEAD_TABLE)]

# The chain head may only move forward, onto an event that is in the log with that seq and
# hash: rewinding it (to hide a cut tail), pointing it at a forged hash, or deleting it
# (after which every append fails) is refused. Forward by more than one step, because
# audit_record_many and the bench's bulk loader append many events and move the head once.
# The event table is named with its schema: the check runs as the writing role, which may
# create a temporary table, and an unqualified name would find a pg_temp table first.
HEAD_REFUSED = f"{HEAD_TABLE} only moves forward onto an appended event"


def postgres_head_install(schema: str) -> list[str]:
    """`schema`: the quoted name of the schema holding the audit tables."""
    return [
        f"""
        CREATE OR REPLACE FUNCTION audit_chainhead_guard() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq AND EXISTS (
                SELECT 1 FROM {schema}.{TABLE} AS e WHERE e.seq = NEW.seq AND e.hash = NEW.hash
            ) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{HEAD_REFUSED}: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        """,  # noqa: S608 (built from constants and the schema's quoted name)
        f"""CREATE TRIGGER audit_chainhead_guard BEFORE UPDATE OR DELETE ON {HEAD_TABLE}
            FOR EACH ROW EXECUTE FUNCTION audit_chainhead_guard();""",
        f"""CREATE TRIGGER audit_chainhead_refuse_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION audit_chainhead_guard();""",
    ]


POSTGRES_HEAD_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_chainhead_guard ON {HEAD_TABLE};",
    f"DROP TRIGGER IF EXISTS audit_chainhead_refuse_truncate ON {HEAD_TABLE};",
    "DROP FUNCTION IF EXISTS audit_chainhead_guard();",
]

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
SQLITE_HEAD_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_chainhead_guard_update BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NOT (NEW.id = OLD.id AND NEW.seq > OLD.seq AND EXISTS (
            SELECT 1 FROM {TABLE} WHERE seq = NEW.seq AND hash = NEW.hash))
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}: UPDATE refused'); END;""",  # noqa: S608
    f"""CREATE TRIGGER IF NOT EXISTS audit_chainhead_guard_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}: DELETE refused'); END;""",
]
SQLITE_HEAD_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_chainhead_guard_update;",
    "DROP TRIGGER IF EXISTS audit_chainhead_guard_delete;",
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


def install_head(connection: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0] or "public"
        _run(connection, postgres_head_install(connection.ops.quote_name(schema)))
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_HEAD_INSTALL)
    else:
        raise NotImplementedError(f"No chain head guard for {connection.vendor}.")


def remove_head(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_HEAD_REMOVE)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_HEAD_REMOVE)


def remove(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_REMOVE)
    elif connection.vendor == "sqlite":
        _run(connection, SQLITE_REMOVE)


def flush_deferred_checks(connection: Any) -> None:
    """Run the foreign-key checks deferred to the end of the transaction now: while any are
    queued, PostgreSQL refuses the ALTER TABLE that lifts or restores the guard, or that
    drops or adds the seal (audit.seal)."""
    if connection.vendor == "postgresql":
        _run(connection, ["SET CONSTRAINTS ALL IMMEDIATE"])


def lift(connection: Any) -> None:
    """Switch the guard of the events and of the chain head off (PostgreSQL: disable the
    triggers, which only the tables' owner or a superuser may do; SQLite: drop them)."""
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_DISABLE)
    else:
        _run(connection, SQLITE_REMOVE + SQLITE_HEAD_REMOVE)


def restore(connection: Any) -> None:
    if connection.vendor == "postgresql":
        _run(connection, POSTGRES_ENABLE)
    else:
        _run(connection, SQLITE_INSTALL + SQLITE_HEAD_INSTALL)
