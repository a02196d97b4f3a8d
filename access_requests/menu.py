"""The access requests app's entries in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.roles import roles_of
from dac_portal.navigation import NavItem, register, signed_in


def committee_people(user: Any) -> bool:
    return bool(user.is_authenticated) and bool(roles_of(user).committees)


register(NavItem("access_requests:list", _("My requests"), signed_in, position=50))
register(NavItem("access_requests:review-queue", _("Review"), committee_people, position=60))
