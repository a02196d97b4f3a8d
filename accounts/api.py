"""API views about the caller: who am I, and a trivial view used as the benchmark floor."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import roles_of
from dac_portal.api import ApiView


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
