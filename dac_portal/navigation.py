"""The main menu. Each app appends its entries here: (URL name, label, who sees it).
The header renders only the entries whose route exists and whose predicate holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    visible: Callable[[Any], bool]


def everyone(user: Any) -> bool:
    return True


def signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def auditors(user: Any) -> bool:
    return can(user, "audit.read")


def committee_people(user: Any) -> bool:
    from accounts.roles import roles_of

    return bool(user.is_authenticated) and bool(roles_of(user).committees)


def stewards(user: Any) -> bool:
    from consent.selectors import stewarded_committees

    return bool(stewarded_committees(user))


def agreement_keepers(user: Any) -> bool:
    """Stewards and chairs keep their committee's agreement template (from the roles
    already loaded for the header: no query of its own)."""
    from accounts.models import CommitteeRole
    from accounts.roles import roles_of

    keepers = {CommitteeRole.CHAIR, CommitteeRole.STEWARD}
    return bool(user.is_authenticated) and (
        bool(getattr(user, "is_superuser", False))
        or any(roles & keepers for roles in roles_of(user).committees.values())
    )


ITEMS: list[NavItem] = [
    NavItem("consent:catalogue", _("Datasets"), everyone),
    NavItem("transparency:register", _("Register"), everyone),
    NavItem("transparency:statistics", _("Statistics"), everyone),
    NavItem("consent:steward", _("My datasets"), stewards),
    NavItem("access_requests:list", _("My requests"), signed_in),
    NavItem("access_requests:review-queue", _("Review"), committee_people),
    NavItem("audit:log", _("Audit log"), auditors),
    NavItem("agreements:grants", _("Grants"), signed_in),
    NavItem("agreements:templates", _("Agreement templates"), agreement_keepers),
    NavItem("agreements:sanctions", _("Sanctions"), lambda user: can(user, "sanction.manage")),
]


def nav_items(request: Any) -> dict[str, Any]:
    user = request.user
    items = []
    for item in ITEMS:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if item.visible(user):
            items.append({"url": url, "label": item.label})
    return {"nav_items": items}
