"""Page plumbing shared by every app: the home page, error pages, and the mapping of
service errors to messages and status codes for server-rendered views."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from dac_portal import dashboard
from dac_portal.api import error_body
from dac_portal.errors import ApplicationError, NotFound


def acting_user(request: HttpRequest) -> Any:
    """The signed-in person of a view behind @login_required (typed as the portal's User)."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionError(
            "acting_user() needs a signed-in user: decorate the view with @login_required."
        )
    return user


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: what needs this person, for every role they hold (dac_portal/dashboard.py).
    Signed out: what the portal is, and its public pages."""
    return render(request, "home.html", {"panels": dashboard.panels_for(request.user)})


def next_page_query(request: HttpRequest, key: str, cursor: str | None) -> str | None:
    """The page's query string, filters kept, with `key` set to the next page's keyset
    cursor; None when there is no next page."""
    if not cursor:
        return None
    query = request.GET.copy()
    query[key] = cursor
    return query.urlencode()


def handles_service_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For page views: a NotFound renders the 404 page; any other refusal re-renders the
    page the view names (or the generic error page) with the message, and the matching
    status code, so a person sees why and nothing changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "404.html", status=404)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "error.html",
                {"error": exc},
                status=exc.status_code,
            )

    return wrapper


def _wants_json(request: HttpRequest) -> bool:
    # API clients get the API's error format even from Django's own error handlers (an
    # unknown /api/ path never answers with an HTML page).
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def _json_error(code: str, message: str, status: int) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse(error_body(code, message), status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return _json_error("not_found", "Not found.", 404)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return _json_error("permission_denied", "You may not do this.", 403)
    return render(request, "403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this handler while it handles the exception, so the exception is at
    # hand. A database that cannot be reached is an outage, not a bug: it raises wherever
    # the first query happens (often in a middleware loading the session or the API token,
    # before any view runs), so it is recognised here, where every such error ends up.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return service_unavailable(request)
    if _wants_json(request):
        return _json_error("server_error", "Internal error. It has been logged.", 500)
    return render(request, "500.html", status=500)


# Seconds a client is asked to wait before it tries again while the database is down.
SERVICE_UNAVAILABLE_RETRY_AFTER = 30
SERVICE_UNAVAILABLE_MESSAGE = (
    "The portal cannot reach its database at the moment, so nothing could be read or "
    "saved. Please try again in a minute."
)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database is unreachable: a JSON error for the API, a page otherwise.
    It says what is down in words and nothing more: no host, port or driver message (those
    go to the log, with the traceback Django writes for every 5xx)."""
    if _wants_json(request):
        response = _json_error("service_unavailable", SERVICE_UNAVAILABLE_MESSAGE, 503)
    else:
        html: str
        try:
            # Rendered without the request, so no context processor runs: they read the
            # session and the user's roles, which live in the database that is down.
            html = loader.render_to_string("503.html")
        except Exception:  # the page must not fail in its turn
            html = SERVICE_UNAVAILABLE_MESSAGE
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(SERVICE_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return _json_error("invalid", "Bad request.", 400)
    return render(request, "400.html", status=400)
