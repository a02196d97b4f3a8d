"""Template helpers of the audit page."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def compact_json(value: Any) -> str:
    """Event data as one line of JSON, keys sorted (as hashed), non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)
