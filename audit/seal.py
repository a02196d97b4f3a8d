"""The seal of the audit log on PostgreSQL: a CHECK constraint under which every event's
stored `preimage` is the canonical text of its columns (audit.sql, docs/adr/0007).

While the constraint is in place, validated and exactly as installed, PostgreSQL has
checked every row against it, so the verifier may hash the stored preimages instead of
rebuilding each event's text. Whoever lifts the append-only guard to change an event must
keep its preimage in step (and then its hash no longer matches) or drop the seal; the
verifier reads the catalogue first and, when the seal is not what `install` made, rebuilds
every event from its columns as before and says why.
"""

from __future__ import annotations

from typing import Any

from audit import sql

# The constraint on the event table, the one function it calls, and what the catalogue
# says about both (the constraint's definition is printed with the function's schema when
# that schema is not on the search path: both spellings are accepted).
_CATALOGUE = """
SELECT c.convalidated, pg_get_constraintdef(c.oid), n.nspname, p.proname,
       pg_get_function_arguments(p.oid), p.prosrc, p.proisstrict, p.proretset,
       p.proconfig IS NULL, l.lanname
FROM pg_constraint AS c
JOIN pg_depend AS d ON d.classid = 'pg_constraint'::regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_proc'::regclass
JOIN pg_proc AS p ON p.oid = d.refobjid
JOIN pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_language AS l ON l.oid = p.prolang
WHERE c.conrelid = to_regclass('audit_auditevent') AND c.conname = %s AND c.contype = 'c'
"""


def install(connection: Any) -> None:
    """Create the function and add the constraint, which checks every existing row."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.CREATE_SEAL_FUNCTION)
        cursor.execute(sql.ADD_SEAL)


def remove(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in sql.DROP_SEAL:
            cursor.execute(statement)


def problem(connection: Any) -> str | None:
    """Why the seal cannot be relied on, in words; None when it is intact."""
    with connection.cursor() as cursor:
        cursor.execute(_CATALOGUE, [sql.SEAL_CONSTRAINT])
        rows = cursor.fetchall()
    if not rows:
        return f"the constraint {sql.SEAL_CONSTRAINT} is missing"
    if len(rows) > 1:
        return f"the constraint {sql.SEAL_CONSTRAINT} calls more than one function"
    validated, definition, schema, name = rows[0][:4]
    qualified = sql.SEAL_DEFINITION.replace(f"({sql.SEAL_FUNCTION}(", f"({schema}.{name}(", 1)
    if not validated:
        return f"the constraint {sql.SEAL_CONSTRAINT} was added NOT VALID"
    if definition not in (sql.SEAL_DEFINITION, qualified) or name != sql.SEAL_FUNCTION:
        return f"the constraint {sql.SEAL_CONSTRAINT} is not the one installed: {definition}"
    # Its arguments (a swapped name would check one column as another), its body, and
    # neither STRICT (null arguments would pass unchecked) nor settings of its own.
    if tuple(rows[0][4:]) != (
        sql.SEAL_ARGUMENTS,
        sql.SEAL_BODY,
        False,
        False,
        True,
        sql.SEAL_LANGUAGE,
    ):
        return f"the function {sql.SEAL_FUNCTION} is not the one installed"
    return None
