"""The consent app's entries in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from consent.selectors import stewarded_committees
from dac_portal.navigation import NavItem, everyone, register


def stewards(user: Any) -> bool:
    return bool(stewarded_committees(user))


register(NavItem("consent:catalogue", _("Datasets"), everyone, position=10))
register(NavItem("consent:steward", _("My datasets"), stewards, position=40))
