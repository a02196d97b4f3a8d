"""API routes of audit (mounted under /api/v1/)."""

from django.urls import path

from audit import api, transparency_api

urlpatterns = [
    path("audit/events/", api.AuditEventListApi.as_view(), name="api-audit-events"),
    path("audit/export/", api.AuditExportApi.as_view(), name="api-audit-export"),
    path(
        "audit/export/manifest/",
        api.AuditExportManifestApi.as_view(),
        name="api-audit-export-manifest",
    ),
    path(
        "transparency/proof/inclusion",
        transparency_api.InclusionProofApi.as_view(),
        name="api-transparency-inclusion",
    ),
    path(
        "transparency/tree-heads/",
        transparency_api.TreeHeadListApi.as_view(),
        name="api-transparency-tree-heads",
    ),
    path(
        "transparency/proof/consistency",
        transparency_api.ConsistencyProofApi.as_view(),
        name="api-transparency-consistency",
    ),
]
