"""The seal of the audit log on PostgreSQL, in two parts (audit.sql, docs/adr/0007):

- the check: a CHECK constraint under which every event's stored `preimage` is the
  canonical text of its columns;
- the links: a foreign key from each event to its predecessor's seq and hash.

While both are in place, validated and exactly as installed, PostgreSQL has checked every
row against them, so the verifier only hashes the stored preimages: it neither rebuilds
each event's text nor compares each event with the one before. Whoever lifts the
append-only guard to change an event must keep its preimage and its links in step (and
then a hash no longer matches) or take the seal off; the verifier reads the catalogue
first and, when a part is not what `install` made, checks what that part would have
vouched for itself, and says why.
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


# The foreign key, the generated column it reads, and whether its triggers fire.
_LINKS_CATALOGUE = """
SELECT c.convalidated, pg_get_constraintdef(c.oid), c.confrelid = c.conrelid,
       (SELECT bool_and(t.tgenabled IN ('O', 'A')) FROM pg_trigger AS t
        WHERE t.tgconstraint = c.oid),
       (SELECT a.attgenerated = 's' AND pg_get_expr(d.adbin, d.adrelid) = %s
        FROM pg_attribute AS a JOIN pg_attrdef AS d ON d.adrelid = a.attrelid
             AND d.adnum = a.attnum
        WHERE a.attrelid = c.conrelid AND a.attname = %s AND NOT a.attisdropped),
       n.nspname
FROM pg_constraint AS c
JOIN pg_class AS r ON r.oid = c.conrelid
JOIN pg_namespace AS n ON n.oid = r.relnamespace
WHERE c.conrelid = to_regclass('audit_auditevent') AND c.conname = %s AND c.contype = 'f'
"""


def install(connection: Any) -> None:
    """Put the whole seal on: each part checks every existing row as it is added."""
    install_check(connection)
    install_links(connection)


def install_check(connection: Any) -> None:
    """The check alone (migration 0008, before the column the links read existed)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.CREATE_SEAL_FUNCTION)
        cursor.execute(sql.ADD_SEAL)


def install_links(connection: Any) -> None:
    """The links alone (migration 0009, once their column and index exist)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.ADD_LINKS)


def remove(connection: Any) -> None:
    remove_links(connection)
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for statement in sql.DROP_SEAL:
            cursor.execute(statement)


def remove_links(connection: Any) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(sql.DROP_LINKS)


def problem(connection: Any) -> str | None:
    """Why the seal cannot be relied on, in words; None when both parts are intact."""
    return check_problem(connection) or links_problem(connection)


def links_problem(connection: Any) -> str | None:
    """Why the links cannot be relied on, in words; None when they are intact."""
    with connection.cursor() as cursor:
        cursor.execute(
            _LINKS_CATALOGUE, [sql.LINK_EXPRESSION, sql.LINK_COLUMN, sql.LINK_CONSTRAINT]
        )
        row = cursor.fetchone()
    name = sql.LINK_CONSTRAINT
    if row is None:
        return f"the constraint {name} is missing"
    validated, definition, same_table, triggers_on, generated, schema = row
    qualified = sql.LINK_DEFINITION.replace(
        "REFERENCES audit_auditevent(", f"REFERENCES {schema}.audit_auditevent(", 1
    )
    if not validated:
        return f"the constraint {name} was added NOT VALID"
    if definition not in (sql.LINK_DEFINITION, qualified) or not same_table:
        return f"the constraint {name} is not the one installed: {definition}"
    if not triggers_on:
        return f"the triggers of the constraint {name} are disabled"
    if not generated:
        return f"the column {sql.LINK_COLUMN} is no longer generated from seq"
    return None


def check_problem(connection: Any) -> str | None:
    """Why the check cannot be relied on, in words; None when it is intact."""
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
