"""Formula-safe CSV cells: the one helper every CSV the portal writes goes through.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and, in some, one that starts
with a tab or a carriage return) as a formula: a request title or a name such as
`=HYPERLINK("http://evil", "click")` would become a live formula in the committee's or the
auditor's spreadsheet ("CSV injection"). OWASP's advice is to put a single quote in front
of such a cell, which spreadsheets show as text.

`safe_cell` also quotes a value that itself starts with a single quote. That makes the
escape reversible: `restore_cell(safe_cell(v)) == v` for every string, which is what the
audit export's verifier needs to recompute each event's hash from the cells it reads
(docs/audit-log.md).
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def needs_escape(text: str) -> bool:
    return text[:1] in FORMULA_TRIGGERS or text[:1] == ESCAPE


def safe_cell(value: Any) -> str:
    """The cell text for `value` (None is an empty cell), quoted when a spreadsheet would
    run it or when it starts with the quote itself."""
    text = "" if value is None else str(value)
    return ESCAPE + text if needs_escape(text) else text


def restore_cell(cell: str) -> str:
    """The value `safe_cell` was given (for readers of files the portal wrote)."""
    return cell[1:] if cell[:1] == ESCAPE else cell


def sql_safe_cell(column_sql: str) -> str:
    """The same rule as a PostgreSQL expression over a text column, for exports written by
    `COPY … TO STDOUT` (audit.export.copy_csv). Built from the constants above, so the
    database and Python cannot drift apart; NULL stays NULL (an empty cell)."""
    starts = ", ".join(f"chr({ord(c)})" for c in (*FORMULA_TRIGGERS, ESCAPE))
    quote = f"chr({ord(ESCAPE)})"
    return (
        f"CASE WHEN left({column_sql}, 1) IN ({starts}) "
        f"THEN {quote} || {column_sql} ELSE {column_sql} END"
    )
