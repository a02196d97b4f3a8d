"""Audit log API (auditors and administrators): the event list with keyset pagination,
the streamed export and its signed manifest.

Export and manifest: GET /api/v1/audit/export/?format=csv|jsonl&from=&to= streams the file
and names, in its `Link` header (rel="describedby") and `X-Audit-Through-Seq`, the
manifest URL for exactly those rows: the same query plus `through_seq`, the chain head at
the time of the download. GET /api/v1/audit/export/manifest/?… recomputes the file's hash
over the same rows and returns the signed manifest.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api_permissions import WITH_RECENT_AUTHENTICATION
from audit import export, selectors
from audit.chain import format_time
from audit.forms import AuditFilterForm, ExportForm
from audit.services import audit_export_record
from dac_portal.api import ApiView
from dac_portal.errors import ValidationError


class IgnoreFormatNegotiation(DefaultContentNegotiation):
    """`?format=csv|jsonl` names the export format here, not a DRF renderer: errors are
    always JSON, and the file is a plain streamed response."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


def _invalid(form: Any) -> ValidationError:
    return ValidationError(
        "Invalid query parameters.",
        details={name: [str(e) for e in errors] for name, errors in form.errors.items()},
    )


def event_json(event: Any) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": format_time(event.occurred_at),  # as hashed
        "action": event.action,
        "actor": event.actor_label,
        "object": {"type": event.object_type, "id": event.object_id} if event.object_type else None,
        "data": event.data,
        "client_ip": event.client_ip,
        "request_id": event.request_id,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


EVENT_SCHEMA = inline_serializer(
    "AuditEvent",
    {
        "seq": serializers.IntegerField(),
        "occurred_at": serializers.DateTimeField(),
        "action": serializers.CharField(),
        "actor": serializers.CharField(),
        "object": serializers.DictField(allow_null=True),
        "data": serializers.DictField(),
        "client_ip": serializers.CharField(allow_null=True),
        "request_id": serializers.CharField(),
        "prev_hash": serializers.CharField(),
        "hash": serializers.CharField(),
    },
)
FILTER_PARAMETERS = [
    OpenApiParameter("after_seq", OpenApiTypes.INT, description="Events after this seq."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="At most 200 (default 50)."),
    OpenApiParameter("action", OpenApiTypes.STR, description="A dotted action name."),
    OpenApiParameter("object", OpenApiTypes.STR, description="type:id"),
    OpenApiParameter("actor", OpenApiTypes.STR, description="user name or system:<job>"),
    OpenApiParameter("from", OpenApiTypes.STR, description="Date or ISO date-time (UTC)."),
    OpenApiParameter("to", OpenApiTypes.STR, description="Date (inclusive) or date-time."),
]
EXPORT_PARAMETERS = [
    OpenApiParameter("format", OpenApiTypes.STR, enum=list(export.FORMATS), required=True),
    OpenApiParameter("from", OpenApiTypes.STR, description="Date or ISO date-time (UTC)."),
    OpenApiParameter("to", OpenApiTypes.STR, description="Date (inclusive) or date-time."),
    OpenApiParameter("through_seq", OpenApiTypes.INT, description="Last seq to include."),
]


class AuditEventListApi(ApiView):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=inline_serializer(
            "AuditEventPage",
            {
                "results": serializers.ListField(child=EVENT_SCHEMA),
                "next": serializers.CharField(allow_null=True),
                "limit": serializers.IntegerField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        selectors.audit_require_read(user=request.user)
        form = AuditFilterForm(request.query_params)
        if not form.is_valid():
            raise _invalid(form)
        if form.cleaned_data.get("before_seq") is not None:
            raise ValidationError(
                "The API pages forward with after_seq.",
                details={"before_seq": ["Not supported here."]},
            )
        limit = form.cleaned_data.get("limit") or 50
        page = selectors.audit_event_page(
            user=request.user,
            event_filter=form.event_filter(),
            after_seq=form.cleaned_data.get("after_seq") or 0,
            limit=limit,
        )
        next_url = None
        if page.has_more and page.max_seq is not None:
            query = request.query_params.copy()
            query["after_seq"] = str(page.max_seq)
            query["limit"] = str(limit)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {"results": [event_json(e) for e in page.events], "next": next_url, "limit": limit}
        )


def _export_range(request: Request) -> export.ExportRange:
    form = ExportForm(request.query_params)
    if not form.is_valid():
        raise _invalid(form)
    data = form.cleaned_data
    return export.resolve_range(
        fmt=data["format"],
        date_from=data.get("from"),
        date_to=data.get("to"),
        through_seq=data.get("through_seq"),
    )


def stream_export(
    export_range: export.ExportRange, *, manifest_url: str, actor: Any
) -> StreamingHttpResponse:
    """The streamed file, audited as `audit.exported` before the first byte leaves."""
    audit_export_record(
        actor=actor,
        description=export_range.describe(),
        first_seq=export_range.first_seq,
        last_seq=export_range.last_seq,
    )
    stats = export.ExportStats()
    response = StreamingHttpResponse(
        export.render(export.iter_events(export_range), export_range.format, stats),
        content_type=export.CONTENT_TYPES[export_range.format],
    )
    name = export_file_name(export_range)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Audit-Through-Seq"] = str(export_range.through_seq)
    response["Link"] = f'<{manifest_url}>; rel="describedby"; type="application/json"'
    return response


def manifest_response(export_range: export.ExportRange, *, file_name: str) -> HttpResponse:
    """Re-reads the same rows to hash them (the manifest is a function of the range), then
    signs. Nothing is kept between the download and this call."""
    stats = export.ExportStats()
    for _chunk in export.render(export.iter_events(export_range), export_range.format, stats):
        pass
    manifest = export.build_manifest(
        export_range, stats, file_name=file_name, created_at=timezone.now()
    )
    response = HttpResponse(export.manifest_json(manifest), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{file_name}.manifest.json"'
    return response


def manifest_query(export_range: export.ExportRange, query: Any) -> str:
    params = {k: v for k, v in query.items() if k in {"format", "from", "to"} and v}
    params["through_seq"] = str(export_range.through_seq)
    return urlencode(params)


def export_file_name(export_range: export.ExportRange) -> str:
    return f"audit-through-{export_range.through_seq}.{export_range.format}"


class AuditExportApi(ApiView):
    # A browser session must have checked the password lately (accounts.sessions).
    permission_classes = WITH_RECENT_AUTHENTICATION
    content_negotiation_class = IgnoreFormatNegotiation

    @extend_schema(
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        selectors.audit_require_read(user=request.user)
        export_range = _export_range(request)
        manifest_url = request.build_absolute_uri(
            reverse("api-audit-export-manifest")
            + "?"
            + manifest_query(export_range, request.query_params)
        )
        return stream_export(export_range, manifest_url=manifest_url, actor=request.user)


class AuditExportManifestApi(ApiView):
    content_negotiation_class = IgnoreFormatNegotiation

    @extend_schema(parameters=EXPORT_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        selectors.audit_require_read(user=request.user)
        export_range = _export_range(request)
        return manifest_response(export_range, file_name=export_file_name(export_range))
