"""Small middleware of our own: request ids, the Content-Security-Policy header, and
no-store caching for personal answers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from dac_portal import request_context

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (reusing a sane incoming X-Request-ID) for logs and the
    audit trail, and echoes it in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_context.bind(request_id=request_id, client_ip=client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def client_ip(request: HttpRequest) -> str | None:
    """The client address. X-Forwarded-For is trusted only when the deployment says a proxy
    sets it (TRUSTED_PROXY_COUNT), so a client cannot forge its audit IP."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


@lru_cache(maxsize=8)
def _policy_for(base: str, issuers: tuple[str, ...]) -> str:
    origins = sorted({f"{urlsplit(i).scheme}://{urlsplit(i).netloc}" for i in issuers})
    if not origins:
        return base
    return base.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))


def _policy(providers: Any) -> str:
    """The CSP, with each identity provider's origin allowed as a form target: the sign-in
    button posts here and is redirected there, and browsers hold redirects of a form
    submission to form-action too."""
    return _policy_for(str(settings.CONTENT_SECURITY_POLICY), tuple(p.issuer for p in providers))


class ContentSecurityPolicyMiddleware:
    """Sets a strict CSP (no 'unsafe-inline'). Swagger UI's page gets the same policy: its
    initialiser is served as a file by drf-spectacular-sidecar."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", _policy(settings.OIDC_PROVIDERS))
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` (django's never-cache set) on every API answer and
    on every page shown to a signed-in person.

    API answers carry personal data and credentials (a passport's visas are bearer
    credentials for an hour); a page of a signed-in person shows their requests, grants or
    tokens. Neither may be kept by a shared cache or left in a browser's disk cache for the
    next person at the same computer. Public pages seen by visitors (/, /register/, /stats/,
    /committees/…, /.well-known/jwks.json) and static files (served by WhiteNoise before this
    middleware runs) stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
