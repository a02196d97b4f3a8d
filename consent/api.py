"""REST endpoints of the catalogue and the consent matcher (docs/api.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from consent import catalogue_api, selectors, services
from dac_portal.api import PAGE, PAGE_SIZE, ApiView, PageNumberPagination, paginated_response_schema
from dac_portal.errors import ValidationError

_SCOPE = inline_serializer(
    "ConsentScopeOut",
    {
        "permission": serializers.CharField(),
        "diseases": serializers.ListField(child=serializers.CharField()),
        "modifiers": serializers.ListField(child=serializers.DictField()),
        "version": serializers.IntegerField(),
    },
    allow_null=True,
)
_DATASET = inline_serializer(
    "DatasetOut",
    {
        "accession": serializers.CharField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(),
        "study": serializers.DictField(),
        "committee": serializers.CharField(),
        "participant_count": serializers.IntegerField(),
        "data_types": serializers.ListField(child=serializers.CharField()),
        "consent": _SCOPE,
    },
)
_EVALUATION = inline_serializer(
    "ConsentEvaluation",
    {
        "result": serializers.ChoiceField(["compatible", "incompatible", "needs_review"]),
        "reasons": serializers.ListField(child=serializers.DictField()),
        "conditions": serializers.ListField(child=serializers.CharField()),
        "scope_version": serializers.IntegerField(allow_null=True),
    },
)
_EVALUATE_IN = inline_serializer(
    "ConsentEvaluateIn",
    {
        "data_use": serializers.DictField(required=False),
        "dataset": serializers.CharField(required=False),
        "purpose": serializers.DictField(),
    },
)


class DatasetListApi(ApiView):
    @extend_schema(
        operation_id="datasets_list",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="search text"),
            # Not an enum: the code is matched in any case (`hmb` finds HMB datasets).
            OpenApiParameter(
                "permission",
                {"type": "string", "maxLength": 10},
                description="DUO permission code: NRES, GRU, HMB, DS or POA (any case)",
            ),
            OpenApiParameter("disease", OpenApiTypes.STR, description="a disease CURIE"),
            OpenApiParameter("committee", OpenApiTypes.STR, description="committee slug"),
            PAGE,
            PAGE_SIZE,
        ],
        responses=paginated_response_schema(_DATASET, "PaginatedDatasetList"),
    )
    def get(self, request: Request) -> Response:
        filters = selectors.CatalogueFilters.from_params(request.query_params)
        datasets = selectors.dataset_list(user=request.user, filters=filters)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(datasets, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response([selectors.dataset_as_dict(d) for d in page or []])

    @extend_schema(
        operation_id="datasets_create", request=catalogue_api.DatasetIn, responses={201: _DATASET}
    )
    def post(self, request: Request) -> Response:
        """Register a dataset (stewards of its study's committee), with its consent."""
        return catalogue_api.dataset_create_from_api(request)


class DatasetDetailApi(ApiView):
    @extend_schema(operation_id="datasets_retrieve", responses=_DATASET)
    def get(self, request: Request, accession: str) -> Response:
        dataset = selectors.dataset_get(user=request.user, accession=accession)
        return Response(selectors.dataset_as_dict(dataset))

    @extend_schema(
        operation_id="datasets_partial_update",
        request=catalogue_api.DatasetFieldsIn,
        responses=_DATASET,
    )
    def patch(self, request: Request, accession: str) -> Response:
        """Change a dataset; `consent` records a new consent scope version."""
        return catalogue_api.dataset_change_from_api(request, accession)


class ConsentEvaluateApi(ApiView):
    @extend_schema(operation_id="consent_evaluate", request=_EVALUATE_IN, responses=_EVALUATION)
    def post(self, request: Request) -> Response:
        body: Any = request.data
        if not isinstance(body, dict):
            raise ValidationError(
                "The body must be a JSON object.", details={"non_field_errors": ["Not an object."]}
            )
        unknown = sorted(set(body) - {"data_use", "dataset", "purpose"})
        if unknown:
            raise ValidationError(
                "Unknown fields: " + ", ".join(unknown),
                details={k: ["Not a field."] for k in unknown},
            )
        if ("data_use" in body) == ("dataset" in body):
            raise ValidationError(
                "Give either data_use or dataset.",
                details={"non_field_errors": ["Exactly one of data_use and dataset."]},
            )
        if "purpose" not in body:
            raise ValidationError("purpose is required.", details={"purpose": ["Required."]})
        if "dataset" in body:
            accession = body["dataset"]
            if not isinstance(accession, str) or not accession.strip():
                raise ValidationError(
                    "dataset must be an accession.", details={"dataset": ["Not an accession."]}
                )
            dataset = selectors.dataset_get(user=request.user, accession=accession.strip()[:24])
            purpose = services.purpose_parse(body["purpose"])
            evaluation = services.consent_evaluate_dataset(dataset=dataset, purpose=purpose)
        else:
            # Parse both before answering, so one 400 names every problem.
            problems: dict[str, Any] = {}
            messages: list[str] = []
            data_use = purpose = None
            try:
                data_use = services.data_use_parse(body["data_use"])
            except ValidationError as exc:
                problems.update(exc.details)
                messages.append(exc.message)
            try:
                purpose = services.purpose_parse(body["purpose"])
            except ValidationError as exc:
                problems.update(exc.details)
                messages.append(exc.message)
            if problems or data_use is None or purpose is None:
                raise ValidationError(" ".join(messages), details=problems)
            evaluation = services.consent_evaluate(data_use=data_use, purpose=purpose)
        return Response(evaluation.as_dict())
