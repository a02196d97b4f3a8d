"""Template helpers of the audit page."""

from __future__ import annotations

import json
from typing import Any

from django import template

from audit import registry

register = template.Library()


@register.filter
def compact_json(value: Any) -> str:
    """Event data as one line of JSON, keys sorted (as hashed), non-ASCII kept."""
    return json.dumps(value, sort_keys=True, separators=(", ", ": "), ensure_ascii=False)


@register.filter
def action_label(code: str) -> str:
    """An audit action in words, in the reader's language ("Grant revoked")."""
    return registry.label_for(code)


@register.filter
def describe_event(event: Any) -> str:
    """What the event's payload says, in words ("" when it says nothing more)."""
    return registry.describe(event.action, event.data)
