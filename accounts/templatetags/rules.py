"""Templates ask the named rules of accounts.permissions directly:

    {% load rules %}
    {% may "dataset.manage" dataset as may_manage %}{% if may_manage %}…{% endif %}

so a button shows exactly when the service behind it would let the person act."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.permissions import can

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context: template.Context, rule_name: str, obj: Any = None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and can(user, rule_name, obj)
