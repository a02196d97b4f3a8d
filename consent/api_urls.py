"""API routes of consent (mounted under /api/v1/)."""

from django.urls import path

from consent import api

urlpatterns = [
    path("datasets/", api.DatasetListApi.as_view(), name="api-datasets"),
    path("datasets/<str:accession>/", api.DatasetDetailApi.as_view(), name="api-dataset"),
    path("consent/evaluate/", api.ConsentEvaluateApi.as_view(), name="api-consent-evaluate"),
]
