"""Page plumbing shared by every app: the home page, error pages, and the mapping of
service errors to messages and status codes for server-rendered views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
    return render(request, "home.html")


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

    from dac_portal.api import error_body

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
    if _wants_json(request):
        return _json_error("server_error", "Internal error. It has been logged.", 500)
    return render(request, "500.html", status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return _json_error("invalid", "Bad request.", 400)
    return render(request, "400.html", status=400)
