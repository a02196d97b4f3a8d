"""REST for ethics approvals (issue 18): the approvals on a request, and filing one
(multipart: `file`, `approving_body`, `approval_number`, `expires_on` as YYYY-MM-DD)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from access_requests import ethics, ethics_services, selectors, services
from access_requests.models import EthicsApproval
from dac_portal.api import ApiView, iso_date
from dac_portal.errors import ValidationError

REF = OpenApiParameter("reference", str, OpenApiParameter.PATH)


class EthicsApprovalSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    approving_body = serializers.CharField()
    approval_number = serializers.CharField()
    expires_on = serializers.DateField()
    valid = serializers.BooleanField(help_text="Valid today.")
    document = serializers.UUIDField()
    filed_at = serializers.DateTimeField()


class EthicsApprovalUploadSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()
    approving_body = serializers.CharField()
    approval_number = serializers.CharField()
    expires_on = serializers.DateField()


class EthicsApprovalsListSerializer(serializers.Serializer[Any]):
    ethics_approval_required = serializers.BooleanField(
        help_text="The consent of a requested dataset asks for one."
    )
    approvals = EthicsApprovalSerializer(many=True)


def _approval(approval: EthicsApproval) -> dict[str, Any]:
    return {
        "id": str(approval.public_id),
        "approving_body": approval.approving_body,
        "approval_number": approval.approval_number,
        "expires_on": approval.expires_on.isoformat(),
        "valid": approval.expires_on >= timezone.localdate(),
        "document": str(approval.document.public_id),
        "filed_at": approval.filed_at.isoformat(),
    }


def _field(request: Request, name: str) -> Any:
    data = request.data
    value = data.get(name) if hasattr(data, "get") else None
    return value if isinstance(value, str) else None


class EthicsApprovalsApi(ApiView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="requests_ethics_approvals_list",
        parameters=[REF],
        responses=EthicsApprovalsListSerializer,
    )
    def get(self, request: Request, reference: str) -> Response:
        """Whether the request needs an ethics approval, and those on file (longest first)."""
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        return Response(
            {
                "ethics_approval_required": bool(ethics.datasets_needing_approval(access_request)),
                "approvals": [_approval(a) for a in ethics.approvals_of(access_request)],
            }
        )

    @extend_schema(
        operation_id="requests_ethics_approvals_create",
        parameters=[REF],
        request={"multipart/form-data": EthicsApprovalUploadSerializer},
        responses={201: EthicsApprovalSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        """The applicant files an approval (also to renew one while the grants run)."""
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference, full=False
        )
        ethics_services.require_filing_allowed(access_request, request.user)
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is None:
            raise ValidationError("Attach the approval as 'file'.", details={"file": ["Required."]})
        services.document_size_check(upload.size or 0)  # before the upload is read
        approval = ethics_services.ethics_approval_file(
            access_request=access_request,
            filename=upload.name or "",
            content=upload.read(),
            approving_body=_field(request, "approving_body"),
            approval_number=_field(request, "approval_number"),
            expires_on=iso_date(_field(request, "expires_on")),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(_approval(approval), status=http.HTTP_201_CREATED)
