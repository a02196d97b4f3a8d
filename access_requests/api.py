"""REST endpoints for access requests (docs/api.md). Thin: each parses, calls one selector or
service, and renders; refusals are ApplicationErrors, turned into the one error format by
dac_portal.api.exception_handler."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access_requests import documents, selectors, services
from access_requests import serializers as s
from access_requests.models import AccessRequest, Document
from accounts.models import User
from dac_portal.api import PAGE, PAGE_SIZE, ApiView, PageNumberPagination, json_object
from dac_portal.errors import ValidationError
from dac_portal.input_policy import StrictJSONParser

REF = OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH)


def _detail(access_request: AccessRequest, user: Any) -> dict[str, Any]:
    return s.RequestDetailSerializer(access_request, context={"user": user}).data


def _fresh(user: Any, reference: str) -> dict[str, Any]:
    return _detail(selectors.access_request_get_for_user(user=user, reference=reference), user)


def _user(request: Request) -> User:
    """The caller; every view here requires authentication (DRF's default permission)."""
    return cast(User, request.user)


class RequestListApi(ApiView):
    @extend_schema(
        operation_id="requests_list",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=[c[0] for c in s.RequestStatus.choices]
            ),
            PAGE,
            PAGE_SIZE,
        ],
        responses=s.RequestPageSerializer,
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status") or None
        queryset = selectors.access_request_list_for_user(user=request.user, status=wanted)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.RequestSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="requests_create",
        request=s.RequestWriteSerializer,
        responses={201: s.RequestDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        created = services.access_request_create(
            applicant=_user(request), data=json_object(request), actor=_user(request)
        )
        return Response(_fresh(request.user, created.reference), status=http.HTTP_201_CREATED)


class RequestDetailApi(ApiView):
    @extend_schema(
        operation_id="requests_retrieve", parameters=[REF], responses=s.RequestDetailSerializer
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(_fresh(request.user, reference))

    @extend_schema(
        operation_id="requests_partial_update",
        parameters=[REF],
        request=s.RequestPatchSerializer,
        responses=s.RequestDetailSerializer,
    )
    def patch(self, request: Request, reference: str) -> Response:
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        services.access_request_update(
            access_request=access_request, data=json_object(request), actor=_user(request)
        )
        return Response(_fresh(request.user, reference))


class _TransitionApi(ApiView):
    service: Any = None

    def call(self, request: Request, access_request: AccessRequest) -> None:
        type(self).service(access_request=access_request, actor=_user(request))

    def post(self, request: Request, reference: str) -> Response:
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        self.call(request, access_request)
        return Response(_fresh(request.user, reference))


def _transition_schema(name: str, body: Any = None) -> Any:
    return extend_schema(
        operation_id=f"requests_{name}",
        parameters=[REF],
        request=body,
        responses=s.RequestDetailSerializer,
    )


class SubmitApi(_TransitionApi):
    service = services.access_request_submit

    @_transition_schema("submit")
    def post(self, request: Request, reference: str) -> Response:
        return super().post(request, reference)


class EndorseApi(_TransitionApi):
    service = services.access_request_endorse

    @_transition_schema("endorse")
    def post(self, request: Request, reference: str) -> Response:
        return super().post(request, reference)


class ResubmitApi(_TransitionApi):
    service = services.access_request_resubmit

    @_transition_schema("resubmit")
    def post(self, request: Request, reference: str) -> Response:
        return super().post(request, reference)


class WithdrawApi(_TransitionApi):
    def call(self, request: Request, access_request: AccessRequest) -> None:
        data = request.data if request.data is not None else {}
        if not isinstance(data, dict):
            raise ValidationError(
                "The body must be a JSON object.", details={"non_field_errors": ["Not an object."]}
            )
        unknown = sorted(set(data) - {"reason"})
        if unknown:
            raise ValidationError(
                "Unknown fields.", details={k: ["Unknown field."] for k in unknown}
            )
        services.access_request_withdraw(
            access_request=access_request, actor=_user(request), reason=data.get("reason", "")
        )

    @_transition_schema("withdraw", s.WithdrawSerializer)
    def post(self, request: Request, reference: str) -> Response:
        return super().post(request, reference)


class StatusApi(ApiView):
    """The cheap endpoint REST clients poll: authentication, then one query for the
    request with its datasets (and one more for a caller who is not the applicant)."""

    @extend_schema(operation_id="requests_status", parameters=[REF], responses=s.StatusSerializer)
    def get(self, request: Request, reference: str) -> Response:
        payload = selectors.access_request_status_for_user(user=request.user, reference=reference)
        payload["updated_at"] = payload["updated_at"].isoformat().replace("+00:00", "Z")
        return Response(payload)


class EventsApi(ApiView):
    @extend_schema(
        operation_id="requests_events",
        parameters=[
            REF,
            PAGE,
            PAGE_SIZE,
        ],
        responses=s.EventPageSerializer,
    )
    def get(self, request: Request, reference: str) -> Response:
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        events = selectors.access_request_events_for_user(
            user=request.user, access_request=access_request
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(s.EventSerializer(page, many=True).data)


class DocumentsApi(ApiView):
    parser_classes = [MultiPartParser, FormParser, StrictJSONParser]

    @extend_schema(
        operation_id="requests_documents_create",
        parameters=[REF],
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is None:
            raise ValidationError("Attach the document as 'file'.", details={"file": ["Required."]})
        kind = (request.data.get("kind") if isinstance(request.data, dict) else None) or (
            Document.Kind.OTHER
        )
        if not isinstance(kind, str):
            raise ValidationError("Unknown document kind.", details={"kind": ["Invalid."]})
        # Refused before the upload is read into memory.
        services.document_size_check(upload.size or 0)
        document = services.access_request_document_add(
            access_request=access_request,
            filename=upload.name or "",
            content=upload.read(),
            kind=kind,
            actor=_user(request),
        )
        return Response(s.DocumentSerializer(document).data, status=http.HTTP_201_CREATED)


DOCUMENT_TYPES = [documents.PDF, documents.ODT, documents.DOCX]


class DocumentDownloadApi(ApiView):
    @extend_schema(
        operation_id="requests_documents_download",
        parameters=[REF, OpenApiParameter("document_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            (200, media): OpenApiResponse(response=OpenApiTypes.BINARY) for media in DOCUMENT_TYPES
        },
    )
    def get(self, request: Request, reference: str, document_id: str) -> HttpResponse:
        document = selectors.document_get_for_user(
            user=request.user, reference=reference, document_id=document_id
        )
        return document_response(document)


def document_response(document: Document) -> HttpResponse:
    """The decrypted document as an attachment: never rendered inline by the browser."""
    response = HttpResponse(
        documents.decrypt(bytes(document.ciphertext)), content_type=document.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
