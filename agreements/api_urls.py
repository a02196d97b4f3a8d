"""API routes of agreements (mounted under /api/v1/)."""

from django.urls import path

from agreements import api

urlpatterns = [
    path(
        "requests/<str:reference>/agreement/",
        api.AgreementApi.as_view(),
        name="api-request-agreement",
    ),
    path(
        "requests/<str:reference>/agreement/sign/",
        api.AgreementSignApi.as_view(),
        name="api-request-agreement-sign",
    ),
    path(
        "requests/<str:reference>/agreement/countersign/",
        api.AgreementCountersignApi.as_view(),
        name="api-request-agreement-countersign",
    ),
    path("grants/", api.GrantListApi.as_view(), name="api-grants"),
    path("grants/<str:grant>/", api.GrantDetailApi.as_view(), name="api-grant"),
    path("grants/<str:grant>/suspend/", api.GrantSuspendApi.as_view(), name="api-grant-suspend"),
    path("grants/<str:grant>/revoke/", api.GrantRevokeApi.as_view(), name="api-grant-revoke"),
    path(
        "grants/<str:grant>/reinstate/",
        api.GrantReinstateApi.as_view(),
        name="api-grant-reinstate",
    ),
    path("grants/<str:grant>/renew/", api.GrantRenewApi.as_view(), name="api-grant-renew"),
    path(
        "grants/<str:grant>/renewal-decision/",
        api.GrantRenewalDecisionApi.as_view(),
        name="api-grant-renewal-decision",
    ),
    path(
        "grants/<str:grant>/renewal-votes/",
        api.GrantRenewalVotesApi.as_view(),
        name="api-grant-renewal-votes",
    ),
    path(
        "grants/<str:grant>/progress-reports/",
        api.GrantProgressReportApi.as_view(),
        name="api-grant-progress-reports",
    ),
    path(
        "grants/<str:grant>/findings/<str:findings>/publication/",
        api.GrantFindingsPublicationApi.as_view(),
        name="api-grant-findings-publication",
    ),
    path(
        "grants/<str:grant>/close-out/", api.GrantCloseOutApi.as_view(), name="api-grant-close-out"
    ),
    path(
        "grants/<str:grant>/withdrawal-notices/<str:notice>/acknowledge/",
        api.WithdrawalAcknowledgeApi.as_view(),
        name="api-grant-withdrawal-acknowledge",
    ),
    path("sanctions/", api.SanctionListApi.as_view(), name="api-sanctions"),
    path("sanctions/<str:sanction>/lift/", api.SanctionLiftApi.as_view(), name="api-sanction-lift"),
    path(
        "committees/<str:committee>/agreement-template/",
        api.AgreementTemplateApi.as_view(),
        name="api-committee-agreement-template",
    ),
    path(
        "committees/<str:committee>/agreement-policy/",
        api.AgreementPolicyApi.as_view(),
        name="api-committee-agreement-policy",
    ),
    path("entitlements/", api.EntitlementsApi.as_view(), name="api-entitlements"),
    path("me/passport/", api.PassportApi.as_view(), name="api-me-passport"),
]
