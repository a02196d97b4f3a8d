"""Template helpers of the audit page."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext as _

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


@register.filter
def actor_name(event: Any) -> str:
    """Who acted, as a person reads it: the account's full name (the username recorded in
    the event when the account has none), or "the portal" for a job."""
    actor = getattr(event, "actor", None)
    if actor is not None:
        return str(actor.get_full_name() or event.actor_label)
    if getattr(event, "actor_id", None) is None:
        return str(_("the portal"))
    return str(event.actor_label)
