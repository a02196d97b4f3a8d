"""The one check of free text a person types (a reason, a rationale, a note): every
service asks it, so every field refuses the same things with the same words."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from dac_portal.errors import ValidationError

# Line breaks and tabs are how people lay out a longer text; every other control
# character (NUL above all, which PostgreSQL refuses) is refused.
_LAYOUT = frozenset("\n\r\t")


def clean_text(
    value: Any,
    *,
    field: str,
    limit: int,
    required: bool = True,
    missing: str | None = None,
    none_is_empty: bool = True,
) -> str:
    """`value` stripped of surrounding space. A 400 naming `field` when it is not text,
    holds a control character, is longer than `limit` characters, or is empty while
    `required` (`missing` is the sentence to say then; by default "The <field> is
    required."). None counts as empty unless `none_is_empty` is off (an API field that
    must be text when sent)."""
    if value is None and none_is_empty:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("Invalid input.", details={field: ["Must be text."]})
    if any(unicodedata.category(c) == "Cc" and c not in _LAYOUT for c in value):
        raise ValidationError(
            "Invalid input.", details={field: ["Must not contain control characters."]}
        )
    value = value.strip()
    if len(value) > limit:
        raise ValidationError("Invalid input.", details={field: [f"At most {limit} characters."]})
    if required and not value:
        sentence = missing or f"The {field.replace('_', ' ')} is required."
        raise ValidationError(sentence, details={field: [missing or "Required."]})
    return value


def query_values(values: list[str], limit: int) -> list[str]:
    """Form values used in queries (references, usernames, slugs): NUL characters (which
    PostgreSQL refuses in text) and overlong values can name nothing, so they are dropped
    before the query; at most `limit` of them."""
    return [v for v in values if v and "\x00" not in v and len(v) <= 150][:limit]


def one_line_fields(
    specs: Iterable[tuple[str, Any, int]], errors: dict[str, list[str]]
) -> dict[str, str]:
    """Required one-line texts (a name, a number, a course): each (field, value, limit)
    cleaned as clean_text does, and refused on one line; refusals go into `errors`."""
    cleaned: dict[str, str] = {}
    for name, value, limit in specs:
        try:
            cleaned[name] = clean_text(value, field=name, limit=limit, required=True)
        except ValidationError as refused:
            errors.update(refused.details)
            continue
        if "\n" in cleaned[name]:
            errors[name] = ["One line."]
    return cleaned
