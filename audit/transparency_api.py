"""The transparency log's public API (docs/transparency-log.md): inclusion and consistency
proofs, as JSON with hashes in lowercase hex. Public on purpose: a proof reveals hashes
only, and an applicant or an observer must be able to check the log without an account."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from audit import transparency_log
from audit.models import TreeHead
from dac_portal.api import PAGE, PAGE_SIZE, ApiView, PageNumberPagination, paginated_response_schema
from dac_portal.errors import ValidationError

SIZE_LIMIT = 2**62  # far beyond any log; keeps the numbers inside PostgreSQL's bigint


def _size(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "integer", "minimum": 1, "maximum": SIZE_LIMIT},
        required=True,
        description=description,
    )


def _required(request: Request, *names: str) -> list[int]:
    missing = [name for name in names if name not in request.query_params]
    if missing:
        raise ValidationError(
            _("A proof needs these parameters."), details={n: [_("Required.")] for n in missing}
        )
    return [int(request.query_params[name]) for name in names]


HEX_LIST = serializers.ListField(child=serializers.CharField())


class InclusionProofApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            _size("event", "The event's seq (its leaf is seq − 1)."),
            _size("size", "The size of the tree to prove it in (a published tree head's)."),
        ],
        responses=inline_serializer(
            "InclusionProof",
            {
                "leaf_index": serializers.IntegerField(),
                "tree_size": serializers.IntegerField(),
                "leaf_hash": serializers.CharField(),
                "audit_path": HEX_LIST,
                "root_hash": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        seq, size = _required(request, "event", "size")
        return Response(asdict(transparency_log.inclusion_proof(seq=seq, size=size)))


class ConsistencyProofApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            _size("from", "The smaller tree's size."),
            _size("to", "The larger tree's size."),
        ],
        responses=inline_serializer(
            "ConsistencyProof",
            {
                "first_size": serializers.IntegerField(),
                "second_size": serializers.IntegerField(),
                "first_root": serializers.CharField(),
                "second_root": serializers.CharField(),
                "proof": HEX_LIST,
            },
        ),
    )
    def get(self, request: Request) -> Response:
        first, second = _required(request, "from", "to")
        return Response(asdict(transparency_log.consistency_proof(first=first, second=second)))


TREE_HEAD = inline_serializer(
    "SignedTreeHead",
    {
        "tree_size": serializers.IntegerField(),
        "root_hash": serializers.CharField(),
        "timestamp": serializers.CharField(),
        "signature": serializers.CharField(),
        "key_id": serializers.CharField(),
    },
)


class TreeHeadListApi(ApiView):
    """Every tree head the log published, newest first: the history a consistency proof
    joins (anyone who kept an older head can ask for the proof to a newer one)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[PAGE, PAGE_SIZE],
        responses=paginated_response_schema(TREE_HEAD, "PaginatedSignedTreeHeadList"),
    )
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        heads = paginator.paginate_queryset(
            TreeHead.objects.order_by("-timestamp", "-pk"), request, view=self
        )
        return paginator.get_paginated_response(
            [transparency_log.tree_head_json(head) for head in heads or []]
        )
