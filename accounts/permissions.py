"""The one place that answers "may this user do this to this object?".

Each rule is a named predicate `(user, obj) -> bool`. Apps register their own rules here
(`@rule("access_request.view")`) in their `rules.py`, so checks are never scattered through
views. Committee rights are django-guardian object permissions, granted and removed by the
membership services; portal roles come from `accounts.roles`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import Committee, PortalRole
from accounts.roles import roles_of
from dac_portal.errors import PermissionDenied

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if name in _RULES:
            raise ValueError(f"Permission rule {name!r} is registered twice.")
        _RULES[name] = func
        return func

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    try:
        check = _RULES[action]
    except KeyError:
        raise LookupError(f"No permission rule named {action!r}.") from None
    return bool(check(user, obj))


def require(user: Any, action: str, obj: Any = None, *, message: str | None = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(message or "You may not do this.", details={"action": action})


def registered_rules() -> list[str]:
    return sorted(_RULES)


def has_portal_role(user: Any, role: str) -> bool:
    return role in roles_of(user).portal


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_portal_role(
        user, PortalRole.ADMINISTRATOR
    )


def _committee_perm(user: Any, codename: str, committee: Committee) -> bool:
    # guardian's backend answers object permissions; a superuser has them all.
    return bool(user.has_perm(f"accounts.{codename}", committee))


@rule("portal.administer")
def _administer(user: Any, obj: Any) -> bool:
    return is_admin(user)


@rule("audit.read")
def _audit_read(user: Any, obj: Any) -> bool:
    return is_admin(user) or has_portal_role(user, PortalRole.AUDITOR)


@rule("committee.review")
def _committee_review(user: Any, committee: Committee) -> bool:
    return _committee_perm(user, "review_committee", committee)


@rule("committee.chair")
def _committee_chair(user: Any, committee: Committee) -> bool:
    return _committee_perm(user, "chair_committee", committee)


@rule("committee.steward")
def _committee_steward(user: Any, committee: Committee) -> bool:
    return _committee_perm(user, "steward_committee", committee)


@rule("institution.sign_for")
def _sign_for(user: Any, institution: Any) -> bool:
    return institution is not None and institution.pk in roles_of(user).official_for


@rule("api_token.manage")
def _manage_token(user: Any, token: Any) -> bool:
    return token.user_id == user.pk
