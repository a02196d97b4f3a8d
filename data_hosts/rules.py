"""Permission rules of data_hosts (registered with accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.permissions import is_admin, rule
from accounts.roles import roles_of


@rule("webhook.create")
def _create(user: Any, obj: Any) -> bool:
    """Data stewards (for their committees) and administrators keep webhooks."""
    return is_admin(user) or bool(roles_of(user).committees_where("steward"))


@rule("webhook.manage")
def _manage(user: Any, subscription: Any) -> bool:
    return is_admin(user) or getattr(subscription, "owner_id", None) == user.pk
