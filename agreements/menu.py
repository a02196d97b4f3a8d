"""The agreements app's entries in the main menu (dac_portal/navigation.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import CommitteeRole
from accounts.permissions import can
from accounts.roles import roles_of
from dac_portal.navigation import NavItem, register, signed_in

_KEEPERS = frozenset({CommitteeRole.CHAIR, CommitteeRole.STEWARD})


def agreement_keepers(user: Any) -> bool:
    """Stewards and chairs keep their committee's agreement template (from the roles
    already loaded for the header: no query of its own)."""
    return bool(user.is_authenticated) and (
        bool(getattr(user, "is_superuser", False))
        or any(roles & _KEEPERS for roles in roles_of(user).committees.values())
    )


def sanction_managers(user: Any) -> bool:
    return can(user, "sanction.manage")


register(NavItem("agreements:grants", _("Grants"), signed_in, position=80))
register(NavItem("agreements:templates", _("Agreement templates"), agreement_keepers, position=90))
register(NavItem("agreements:sanctions", _("Sanctions"), sanction_managers, position=100))
