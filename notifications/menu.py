"""The notifications app's entry in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dac_portal.navigation import NavItem, register, signed_in

register(NavItem("notifications:inbox", _("Inbox"), signed_in, position=110))
