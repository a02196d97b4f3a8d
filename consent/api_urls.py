"""API routes of consent (mounted under /api/v1/)."""

from django.urls import path

from consent import api, catalogue_api

urlpatterns = [
    path("datasets/", api.DatasetListApi.as_view(), name="api-datasets"),
    path("datasets/<str:accession>/", api.DatasetDetailApi.as_view(), name="api-dataset"),
    path(
        "datasets/<str:accession>/consent-scopes/",
        catalogue_api.ConsentScopeListApi.as_view(),
        name="api-dataset-consent-scopes",
    ),
    path("studies/", catalogue_api.StudyListApi.as_view(), name="api-studies"),
    path("consent/evaluate/", api.ConsentEvaluateApi.as_view(), name="api-consent-evaluate"),
]
