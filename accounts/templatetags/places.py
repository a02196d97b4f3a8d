"""Places by name (issue 14, "names everywhere"): a country is stored and exchanged as its
ISO 3166-1 code, and shown as its name in the reader's language, from django-countries'
translated list (docs/adr/0012), never from a table of our own.

    {% load places %}{{ institution.country|country_name }}   → Kenya / Kenya (fr) / …
"""

from __future__ import annotations

from typing import Any

from django import template
from django_countries import countries

register = template.Library()


@register.filter
def country_name(code: Any) -> str:
    """The country's name in the active language; an unknown code is shown as given."""
    text = str(code or "").strip().upper()
    if not text:
        return ""
    return str(countries.name(text)) or text
