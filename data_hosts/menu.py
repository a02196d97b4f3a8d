"""The data_hosts app's entry in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from dac_portal.navigation import NavItem, register

register(
    NavItem(
        "data_hosts:webhooks",
        _("Webhooks"),
        lambda user: bool(user.is_authenticated) and can(user, "webhook.create"),
        position=95,
    )
)
