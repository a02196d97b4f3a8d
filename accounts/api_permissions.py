"""DRF permission classes shared by every API view.

Service accounts (data hosts) hold tokens that may read entitlements and nothing else: the
default permission refuses them everywhere, and the entitlements view opts in explicitly.

The acts that ask a browser user to re-enter their password (accounts.sessions) ask it of
the same user calling the API with their browser session too: otherwise a stolen session
cookie would decide through /api/v1/ what the page refuses.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings

from accounts import sessions
from accounts.permissions import can


class NotServiceAccount(BasePermission):
    message = "Service accounts may only read entitlements."

    def has_permission(self, request: Any, view: Any) -> bool:
        return not getattr(request.user, "is_service_account", False)


def rule_allows(rule_name: str, refusal: str) -> type[BasePermission]:
    """A DRF permission class that asks the named rule `rule_name` (accounts.permissions)
    about the caller, with no object: the one way an API view states "only people who may
    X". Object-level questions are asked by the service the view calls."""

    class RuleAllows(BasePermission):
        # DRF answers 403 with this text when the rule says no.
        message = refusal

        def has_permission(self, request: Any, view: Any) -> bool:
            return can(request.user, rule_name)

    RuleAllows.__name__ = RuleAllows.__qualname__ = f"RuleAllows[{rule_name}]"
    return RuleAllows


class RecentAuthenticationRequired(exceptions.PermissionDenied):
    # Read by dac_portal.api.exception_handler as the error's code.
    error_code = "reauthentication_required"


class RecentlyAuthenticatedSession(BasePermission):
    """A call made with a browser session (no Bearer token) must come within
    REAUTH_MAX_AGE_SECONDS of a password check, as the matching page asks. A token call
    passes: a token is a credential of its own (accounts.sessions)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.auth is not None or not request.user.is_authenticated:
            return True
        if sessions.recently_authenticated(request._request):
            return True
        raise RecentAuthenticationRequired(
            "Confirm it is you first: sign in again at /accounts/reauth/, then retry."
        )


# The default permissions plus the re-authentication rule, for the views that need it.
WITH_RECENT_AUTHENTICATION: list[Any] = [
    *api_settings.DEFAULT_PERMISSION_CLASSES,
    RecentlyAuthenticatedSession,
]
