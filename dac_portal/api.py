"""REST plumbing shared by every API view: the error format and pagination.

Every error leaves the API as
    {"error": {"code": "...", "message": "...", "details": {...}}}
whatever raised it: a service's ApplicationError, DRF's own exceptions, Django's Http404,
or an unexpected exception (logged, answered as a 500 in the same format).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, QueryDict
from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions as drf_exceptions
from rest_framework import pagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from dac_portal import input_policy
from dac_portal.errors import ApplicationError, ValidationError

logger = logging.getLogger(__name__)

_DRF_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _flatten_message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "Invalid input."
    if isinstance(detail, list):
        return " ".join(str(d) for d in detail) or "Invalid input."
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    detail = getattr(exc, "detail", response.data)
    # DRF exceptions of our own (raised where only a DRF exception keeps DRF's request in a
    # sane state, e.g. during authentication) name their code in `error_code`.
    code = getattr(exc, "error_code", None) or _DRF_CODES.get(status, "error")
    if isinstance(exc, drf_exceptions.ValidationError):
        details = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body("invalid", "Invalid input.", details)
    else:
        details = {}
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf_exceptions.Throttled) and wait is not None:
            details["retry_after_seconds"] = int(wait)
        response.data = error_body(code, _flatten_message(detail), details)
    return response


def json_object(request: Request) -> dict[str, Any]:
    """The request's body, which must be a JSON object (a list or a scalar is a 400)."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError(
            "The body must be a JSON object.", details={"non_field_errors": ["Not an object."]}
        )
    return data


def only_fields(data: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """`data`, refused (400 naming each) when it holds a field the endpoint does not take."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Unknown field."] for k in unknown})
    return data


def iso_date(value: Any) -> Any:
    """A JSON field's ISO date (YYYY-MM-DD) as a date; None for anything else (the service
    then says what is wrong)."""
    try:
        return parse_date(value) if isinstance(value, str) and len(value) <= 10 else None
    except ValueError:  # well formed, but no such day
        return None


class ApiView(APIView):
    """The base of every API view. Once the caller is authenticated and allowed in, the
    input policy (dac_portal.input_policy) refuses what no view should see: undeclared or
    malformed query parameters, and text that cannot be stored, before the view runs."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        input_policy.check_query_dict(request.query_params)
        input_policy.check_query_parameters(request._request, request.query_params)
        data = request.data if request.method not in ("GET", "HEAD", "OPTIONS") else None
        if isinstance(data, QueryDict):
            # JSON bodies are checked by their parser; form bodies are checked here.
            input_policy.check_query_dict(data)


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200). The API's input policy refuses a junk
    value before it gets here (PAGE and PAGE_SIZE below declare the bounds)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Any) -> int:
        return super().get_page_size(request) or self.page_size


# The two pagination parameters, with the bounds the input policy enforces.
PAGE = OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number.")
PAGE_SIZE = OpenApiParameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
    description="Results per page (at most 200).",
)


def paginated_response_schema(item: Any, name: str) -> Any:
    """The OpenAPI shape of a PageNumberPagination answer whose results are `item`s (an
    inline_serializer instance), for views that paginate by hand."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": type(item)(many=True),
        },
    )
