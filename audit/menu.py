"""The audit app's entry in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from dac_portal.navigation import NavItem, register


def auditors(user: Any) -> bool:
    return can(user, "audit.read")


register(NavItem("audit:log", _("Audit log"), auditors, position=70))
