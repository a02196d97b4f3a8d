"""The transparency app's entries in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dac_portal.navigation import NavItem, everyone, register

register(NavItem("transparency:register", _("Register"), everyone, position=20))
register(NavItem("transparency:statistics", _("Statistics"), everyone, position=30))
