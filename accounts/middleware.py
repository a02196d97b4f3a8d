"""Sends privileged people who signed in with a password only to the second factor. A
federated sign-in whose provider vouched for a second factor (REFEDS MFA, `acr`/`amr`)
already meets the rule (accounts.federation.services.MFA_SESSION_KEY)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import translation

from accounts.federation.services import MFA_SESSION_KEY
from accounts.language import supported
from accounts.two_factor import confirmed_device, two_factor_required
from dac_portal.api import error_body

# Paths a half-signed-in person may still reach: the second factor itself, sign-out,
# static files, health checks and the language switch.
OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/oidc/",
    "/static/",
    "/healthz",
    "/readyz",
    "/i18n/",
)


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and two_factor_required(user)
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.session.get(MFA_SESSION_KEY)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    error_body(
                        "two_factor_required", "Verify your second factor in the browser first."
                    ),
                    status=403,
                )
            target = "accounts:2fa-verify" if confirmed_device(user) else "accounts:2fa-setup"
            return redirect(target)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person reads the portal in their own language, whatever their browser
    says (after the session and authentication middleware; LocaleMiddleware has chosen for
    visitors already)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        code = supported(getattr(user, "language", "")) if user is not None else ""
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
