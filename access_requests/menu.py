"""The access requests app's entries in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from accounts.roles import roles_of
from dac_portal.navigation import NavItem, register


def committee_people(user: Any) -> bool:
    return bool(user.is_authenticated) and bool(roles_of(user).committees)


def applicants_and_officials(user: Any) -> bool:
    """Researchers (their own requests) and signing officials (the endorsements there);
    members, stewards and auditors have no requests of their own to list."""
    return bool(user.is_authenticated) and (
        can(user, "access_request.create") or bool(roles_of(user).official_for)
    )


register(NavItem("access_requests:list", _("My requests"), applicants_and_officials, position=50))
register(NavItem("access_requests:review-queue", _("Review"), committee_people, position=60))
