"""API routes of access_requests (mounted under /api/v1/)."""

from django.urls import path

from access_requests import api, ethics_api
from access_requests.appeals import api as appeal_api
from access_requests.review import api as review_api

urlpatterns = [
    path(
        "requests/<str:reference>/appeal/",
        appeal_api.AppealApi.as_view(),
        name="api-request-appeal",
    ),
    path(
        "requests/<str:reference>/appeal/votes/",
        appeal_api.AppealVotesApi.as_view(),
        name="api-request-appeal-votes",
    ),
    path(
        "requests/<str:reference>/appeal/decision/",
        appeal_api.AppealDecisionApi.as_view(),
        name="api-request-appeal-decision",
    ),
    path(
        "requests/<str:reference>/ethics-approvals/",
        ethics_api.EthicsApprovalsApi.as_view(),
        name="api-request-ethics-approvals",
    ),
    path("requests/", api.RequestListApi.as_view(), name="api-requests"),
    path("requests/<str:reference>/", api.RequestDetailApi.as_view(), name="api-request"),
    path("requests/<str:reference>/submit/", api.SubmitApi.as_view(), name="api-request-submit"),
    path(
        "requests/<str:reference>/withdraw/",
        api.WithdrawApi.as_view(),
        name="api-request-withdraw",
    ),
    path(
        "requests/<str:reference>/resubmit/",
        api.ResubmitApi.as_view(),
        name="api-request-resubmit",
    ),
    path("requests/<str:reference>/endorse/", api.EndorseApi.as_view(), name="api-request-endorse"),
    path("requests/<str:reference>/status/", api.StatusApi.as_view(), name="api-request-status"),
    path("requests/<str:reference>/events/", api.EventsApi.as_view(), name="api-request-events"),
    path(
        "requests/<str:reference>/documents/",
        api.DocumentsApi.as_view(),
        name="api-request-documents",
    ),
    path(
        "requests/<str:reference>/documents/<str:document_id>/",
        api.DocumentDownloadApi.as_view(),
        name="api-request-document",
    ),
    path(
        "requests/<str:reference>/votes/", review_api.VotesApi.as_view(), name="api-request-votes"
    ),
    path(
        "requests/<str:reference>/recuse/",
        review_api.RecuseApi.as_view(),
        name="api-request-recuse",
    ),
    path(
        "requests/<str:reference>/conflict-waivers/",
        review_api.ConflictWaiverApi.as_view(),
        name="api-request-conflict-waivers",
    ),
    path(
        "requests/<str:reference>/request-changes/",
        review_api.RequestChangesApi.as_view(),
        name="api-request-request-changes",
    ),
    path(
        "requests/<str:reference>/decision/",
        review_api.DecisionApi.as_view(),
        name="api-request-decision",
    ),
    path(
        "requests/<str:reference>/outside-reviewers/",
        review_api.OutsideReviewersApi.as_view(),
        name="api-request-outside-reviewers",
    ),
    path(
        "requests/<str:reference>/outside-reviewers/<str:public_id>/opinion/",
        review_api.OutsideOpinionApi.as_view(),
        name="api-request-outside-opinion",
    ),
    path(
        "review/batch-decision/",
        review_api.BatchDecisionApi.as_view(),
        name="api-review-batch-decision",
    ),
]
