"""API views about the caller: who am I, and a trivial view used as the benchmark floor."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import training
from accounts.models import TrainingKind, TrainingRecord
from accounts.roles import roles_of
from dac_portal.api import ApiView, iso_date, json_object, only_fields


class MeApi(ApiView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.UUIDField(),
                "username": serializers.CharField(),
                "name": serializers.CharField(),
                "institution": serializers.CharField(allow_null=True),
                "portal_roles": serializers.ListField(child=serializers.CharField()),
                "committees": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user: Any = request.user
        roles = roles_of(user)
        return Response(
            {
                "id": str(user.public_id),
                "username": user.username,
                "name": user.get_full_name(),
                "institution": user.institution.name if user.institution_id else None,
                "portal_roles": sorted(roles.portal),
                "committees": [
                    {"slug": roles.committee_names[cid][0], "roles": sorted(r)}
                    for cid, r in sorted(roles.committees.items())
                ],
            }
        )


class PingApi(ApiView):
    """Authenticated no-op: the floor that API benchmarks are divided by."""

    @extend_schema(responses=inline_serializer("Pong", {"pong": serializers.BooleanField()}))
    def get(self, request: Request) -> Response:
        return Response({"pong": True})


class TrainingRecordSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=TrainingKind.choices)
    course = serializers.CharField()
    provider = serializers.CharField()
    completed_on = serializers.DateField()
    certificate = serializers.CharField()


def _record(record: TrainingRecord) -> dict[str, Any]:
    return {
        "id": str(record.public_id),
        "kind": record.kind,
        "course": record.course,
        "provider": record.provider,
        "completed_on": record.completed_on.isoformat(),
        "certificate": record.certificate,
    }


class TrainingRecordsApi(ApiView):
    @extend_schema(
        operation_id="me_training_records_list", responses=TrainingRecordSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        """The caller's training records, the most recent first."""
        user: Any = request.user
        return Response([_record(r) for r in training.training_records_of(user)])

    @extend_schema(
        operation_id="me_training_records_create",
        request=TrainingRecordSerializer,
        responses={201: TrainingRecordSerializer},
    )
    def post(self, request: Request) -> Response:
        """Record a training the caller completed."""
        data = only_fields(
            json_object(request), {"kind", "course", "provider", "completed_on", "certificate"}
        )
        record = training.training_record_add(
            actor=request.user,  # type: ignore[arg-type]
            kind=data.get("kind"),
            course=data.get("course"),
            provider=data.get("provider"),
            completed_on=iso_date(data.get("completed_on")),
            certificate=data.get("certificate"),
        )
        return Response(_record(record), status=201)
