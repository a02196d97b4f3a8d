"""Many rows of one model in one INSERT, without a model object per row.

`bulk_create` builds a model instance per row and prepares every field of every row in
Python (about 100 µs a row for a dataset: more than the database takes to store it). Bulk
paths that write thousands of rows of known, plain values (the catalogue import) call
`insert_rows` instead: the values every row shares are prepared once, the varying ones
travel as one JSON array of rows, and PostgreSQL turns it into rows in one statement. (An
array parameter per column is no better: psycopg2 spells each one out as ARRAY[…] with a
literal per element, which the server then parses one by one.)
Other databases get `bulk_create`, so the answer is the same everywhere.

The caller hands plain database values for the varying columns (str, int, bool, None;
lists and dicts for JSON fields) and stays responsible for validating them: this is a
writer, not a form."""

from __future__ import annotations

import json
from typing import Any

from django.db import connections, models, router

# Rows per statement: big enough that a statement's round trip does not matter, small
# enough that one array parameter stays a few megabytes.
BATCH = 5000


def _prepared_same(
    model: type[models.Model], same: dict[str, Any], connection: Any
) -> dict[str, Any]:
    """Every concrete column's database value for a row made of `same` and defaults:
    model defaults and auto_now_add times are taken once, as they would be for one row."""
    template = model(**same)
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.pre_save(template, add=True)
        values[field.attname] = field.get_db_prep_save(value, connection)
    return values


def _from_json(field: models.Field[Any, Any], index: int, connection: Any) -> str:
    """The SQL that reads column `index` of a JSON row `e` as the field's type."""
    if isinstance(field, models.JSONField):
        return f"e->{index}"
    return f"(e->>{index})::{field.db_type(connection)}"


def insert_rows(
    model: type[models.Model],
    *,
    same: dict[str, Any],
    each: dict[str, list[Any]],
    returning: tuple[str, ...] = ("id",),
) -> list[tuple[Any, ...]]:
    """Insert len(each[…]) rows: `same` (field names: `study_id`, not `study`) for all of
    them, `each` column by column, defaults for the rest. Returns the `returning` columns
    of each row (their order is not the input order: key them by a unique column)."""
    sizes = {len(column) for column in each.values()}
    if len(sizes) > 1:
        raise ValueError(f"Columns of different lengths: {sorted(sizes)}")
    if not each or not sizes.pop():
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return _bulk_create(model, same=same, each=each, returning=returning)
    fields: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields}
    constant = {k: v for k, v in _prepared_same(model, same, connection).items() if k not in each}
    quote = connection.ops.quote_name
    varying = list(each)
    columns = ", ".join(quote(fields[name].column) for name in [*varying, *constant])
    values = [_from_json(fields[name], i, connection) for i, name in enumerate(varying)]
    values += [f"%s::{fields[name].db_type(connection)}" for name in constant]
    # Names from the model's own fields, quoted; every value is a parameter.
    table, answered = (
        quote(model._meta.db_table),
        ", ".join(quote(fields[n].column) for n in returning),
    )
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM jsonb_array_elements(%s::jsonb) AS e "
        f"RETURNING {answered}"
    )
    rows = list(zip(*each.values(), strict=True))
    answer: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = json.dumps(rows[start : start + BATCH], separators=(",", ":"))
            cursor.execute(sql, [*constant.values(), batch])
            answer += cursor.fetchall()
    return answer


def _bulk_create(
    model: type[models.Model],
    *,
    same: dict[str, Any],
    each: dict[str, list[Any]],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    names = list(each)
    objects = [
        model(**same, **dict(zip(names, values, strict=True)))
        for values in zip(*each.values(), strict=True)
    ]
    model._default_manager.bulk_create(objects, batch_size=BATCH // 5)
    return [tuple(getattr(o, name) for name in returning) for o in objects]
