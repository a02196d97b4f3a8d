"""The catalogue's write API (docs/catalogue.md): studies, datasets and consent scope
versions registered over REST by the stewards of the governing committee. Reading stays in
consent/api.py; every write goes through consent/registration.py."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Committee
from consent import registration, selectors
from consent.models import ConsentScope, Dataset, Study
from dac_portal.api import (
    PAGE,
    PAGE_SIZE,
    ApiView,
    PageNumberPagination,
    json_object,
    only_fields,
    paginated_response_schema,
)
from dac_portal.errors import ValidationError


class StudyIn(serializers.Serializer[Any]):
    accession = serializers.CharField(max_length=24, required=False)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    committee = serializers.SlugField(max_length=50)


class DatasetFieldsIn(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(allow_blank=True, required=False)
    participant_count = serializers.IntegerField(min_value=0, max_value=10**9, required=False)
    data_types = serializers.ListField(
        child=serializers.CharField(max_length=60), max_length=30, required=False
    )
    is_public = serializers.BooleanField(required=False)
    consent = serializers.DictField(required=False)
    consent_note = serializers.CharField(allow_blank=True, max_length=2000, required=False)


class DatasetIn(DatasetFieldsIn):
    accession = serializers.CharField(max_length=24, required=False)
    study = serializers.CharField(max_length=24)
    committee = serializers.SlugField(max_length=50, required=False)


class ScopeIn(serializers.Serializer[Any]):
    permission = serializers.CharField(max_length=40)
    modifiers = serializers.ListField(required=False)
    diseases = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    note = serializers.CharField(allow_blank=True, max_length=2000, required=False, default="")


_STUDY = inline_serializer(
    "StudyOut",
    {
        "accession": serializers.CharField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(),
        "committee": serializers.CharField(),
    },
)
_SCOPE_VERSION = inline_serializer(
    "ConsentScopeVersion",
    {
        "permission": serializers.CharField(),
        "diseases": serializers.ListField(child=serializers.CharField()),
        "modifiers": serializers.ListField(child=serializers.DictField()),
        "version": serializers.IntegerField(),
        "created_at": serializers.DateTimeField(),
    },
)


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    """The body, refused (400, nothing written) when it is not an object, names a field
    the endpoint does not take, or has a field of the wrong form."""
    body = json_object(request)
    only_fields(body, set(serializer_class().fields))
    serializer = serializer_class(data=body, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _committee(slug: str | None) -> Committee | None:
    if slug is None:
        return None
    committee = Committee.objects.filter(slug=slug).first()
    if committee is None:
        raise ValidationError("No such committee.", details={"committee": [f"No {slug}."]})
    return committee


def _study(accession: str) -> Study:
    study = Study.objects.select_related("committee").filter(accession=accession).first()
    if study is None:
        raise ValidationError("No such study.", details={"study": [f"No study {accession}."]})
    return study


def study_as_dict(study: Study) -> dict[str, Any]:
    return {
        "accession": study.accession,
        "title": study.title,
        "description": study.description,
        "committee": study.committee.slug,
    }


def scope_version_as_dict(scope: ConsentScope) -> dict[str, Any]:
    return {**(selectors.scope_as_dict(scope) or {}), "created_at": scope.created_at}


def _fresh(dataset: Dataset, user: Any) -> dict[str, Any]:
    """The dataset as the read API gives it, read again (with its new scope)."""
    return selectors.dataset_as_dict(selectors.dataset_get(user=user, accession=dataset.accession))


class StudyListApi(ApiView):
    @extend_schema(
        operation_id="studies_list",
        parameters=[PAGE, PAGE_SIZE],
        responses=paginated_response_schema(_STUDY, "PaginatedStudyList"),
    )
    def get(self, request: Request) -> Response:
        studies = Study.objects.select_related("committee").order_by("accession")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(studies, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response([study_as_dict(s) for s in page or []])

    @extend_schema(operation_id="studies_create", request=StudyIn, responses={201: _STUDY})
    def post(self, request: Request) -> Response:
        data = _valid(StudyIn, request)
        study = registration.study_register(
            title=data["title"],
            committee=_committee(data["committee"]),  # type: ignore[arg-type]
            description=data["description"],
            accession=data.get("accession"),
            actor=request.user,  # type: ignore[arg-type]
        )
        return Response(study_as_dict(study), status=201)


def dataset_create_from_api(request: Request) -> Response:
    """POST /api/v1/datasets/ (consent/api.py's list view hands it over)."""
    data = dict(_valid(DatasetIn, request))
    dataset, _scope = registration.dataset_register(
        study=_study(data.pop("study")),
        committee=_committee(data.pop("committee", None)),
        accession=data.pop("accession", None),
        consent=data.pop("consent", None),
        consent_note=data.pop("consent_note", ""),
        actor=request.user,  # type: ignore[arg-type]
        **data,
    )
    return Response(_fresh(dataset, request.user), status=201)


def dataset_change_from_api(request: Request, accession: str) -> Response:
    """PATCH /api/v1/datasets/<accession>/: fields, and a new consent version with
    `consent`."""
    dataset = selectors.dataset_get(user=request.user, accession=accession)
    data = dict(_valid(DatasetFieldsIn, request))
    dataset, _scope = registration.dataset_revise(
        dataset=dataset,
        consent=data.pop("consent", None),
        consent_note=data.pop("consent_note", ""),
        actor=request.user,  # type: ignore[arg-type]
        **data,
    )
    return Response(_fresh(dataset, request.user))


class ConsentScopeListApi(ApiView):
    @extend_schema(
        operation_id="datasets_consent_scopes_list",
        responses=inline_serializer(
            "ConsentScopeVersions", {"results": serializers.ListField(child=_SCOPE_VERSION)}
        ),
    )
    def get(self, request: Request, accession: str) -> Response:
        dataset = selectors.dataset_get(user=request.user, accession=accession)
        scopes = sorted(dataset.consent_scopes.all(), key=lambda s: s.version)
        return Response({"results": [scope_version_as_dict(s) for s in scopes]})

    @extend_schema(
        operation_id="datasets_consent_scopes_create",
        request=ScopeIn,
        responses={201: _SCOPE_VERSION},
    )
    def post(self, request: Request, accession: str) -> Response:
        dataset = selectors.dataset_get(user=request.user, accession=accession)
        data = dict(_valid(ScopeIn, request))
        note = data.pop("note", "")
        _dataset, scope = registration.dataset_revise(
            dataset=dataset,
            consent=data,
            consent_note=note,
            actor=request.user,  # type: ignore[arg-type]
        )
        # A consent was given, so a scope was made.
        return Response(scope_version_as_dict(scope), status=201)  # type: ignore[arg-type]
