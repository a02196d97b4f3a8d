"""Session limits: shorter sessions for privileged people, and *recent authentication*
before the acts that matter most.

- A chair, steward, administrator or auditor (accounts.two_factor.is_privileged) gets a
  session of PRIVILEGED_SESSION_SECONDS (default 12 hours) instead of Django's 14 days: a
  forgotten signed-in browser does not keep decision or audit powers for two weeks.
- Recording a decision, revoking a grant, downloading an audit export and creating an API
  token need the password (and, for someone enrolled, a one-time code) checked within
  REAUTH_MAX_AGE_SECONDS (default 15 minutes). A stolen session cookie alone is then not
  enough for them. Signing in, confirming a one-time code and the re-authentication page
  (/accounts/reauth/) all set the time of that check in the session.

The same acts through the API with a browser session are held to the same rule
(accounts.api_permissions.RecentlyAuthenticatedSession). Bearer-token API calls have no
session and are not asked: a token is a credential of its own, limited by its expiry, its
scope (read-only) and the second-factor rule.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts.two_factor import is_privileged

# Seconds since the epoch of the last password (and code) check in this session.
AUTHENTICATED_AT = "dac_authenticated_at"


def mark_authenticated(request: HttpRequest) -> None:
    request.session[AUTHENTICATED_AT] = int(timezone.now().timestamp())


def apply_session_limits(request: HttpRequest, user: Any) -> None:
    """On sign-in: a privileged person's session ends after PRIVILEGED_SESSION_SECONDS
    (set_expiry also makes the cookie's own lifetime match)."""
    if is_privileged(user):
        request.session.set_expiry(settings.PRIVILEGED_SESSION_SECONDS)


def recently_authenticated(request: HttpRequest) -> bool:
    at = request.session.get(AUTHENTICATED_AT)
    if not isinstance(at, int):
        return False
    age = timezone.now().timestamp() - at
    return 0 <= age <= settings.REAUTH_MAX_AGE_SECONDS


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a path of this portal, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def reauth_redirect(request: HttpRequest, next_path: str) -> HttpResponse:
    messages.info(request, _("For your security, confirm it is you before you continue."))
    return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': next_path}, safe='/')}")
