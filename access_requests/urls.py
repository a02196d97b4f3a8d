"""Page routes of access_requests."""

from django.urls import path

from access_requests import ethics_views, task_views, views
from access_requests.appeals import views as appeal_views
from access_requests.review import batch_views, outside_views
from access_requests.review import views as review_views

app_name = "access_requests"
urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.request_new, name="new"),
    path("requests/consent-check/", views.consent_check, name="consent-check"),
    path("requests/<str:reference>/", views.request_detail, name="detail"),
    path("requests/<str:reference>/edit/", views.request_edit, name="edit"),
    path("requests/<str:reference>/tasks/", task_views.request_tasks, name="tasks"),
    path(
        "requests/<str:reference>/tasks/<slug:section>/",
        task_views.request_section,
        name="section",
    ),
    path("requests/<str:reference>/check/", task_views.request_check, name="check"),
    path(
        "requests/<str:reference>/actions/<slug:action>/",
        views.request_action,
        name="action",
    ),
    path("requests/<str:reference>/documents/", views.document_upload, name="document-upload"),
    path(
        "requests/<str:reference>/receipts/<int:seq>/",
        views.receipt_download,
        name="receipt",
    ),
    path("requests/<str:reference>/appeal/", appeal_views.appeal_page, name="appeal"),
    path(
        "requests/<str:reference>/appeal/vote/",
        appeal_views.panel_act,
        {"action": "vote_appeal"},
        name="appeal-vote",
    ),
    path(
        "requests/<str:reference>/appeal/decision/",
        appeal_views.panel_act,
        {"action": "decide_appeal"},
        name="appeal-decision",
    ),
    path(
        "requests/<str:reference>/ethics-approval/",
        ethics_views.ethics_approval,
        name="ethics-approval",
    ),
    path(
        "requests/<str:reference>/documents/<str:document_id>/",
        views.document_download,
        name="document",
    ),
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/mode/", review_views.review_mode, name="review-mode"),
    path("review/batch-decision/", batch_views.batch_decision, name="review-batch-decision"),
    # An outside reviewer's pages: before review/<reference>/<action>/, which would take
    # "outside" for a reference. (The chair invites and ends them through that route's
    # actions outside-reviewers and end-outside-reviewer.)
    path(
        "review/outside/invitations/<str:token>/",
        outside_views.invitation,
        name="outside-invitation",
    ),
    path("review/outside/<str:public_id>/", outside_views.review_page, name="outside-review"),
    path(
        "review/outside/<str:public_id>/opinion/",
        outside_views.opinion,
        name="outside-opinion",
    ),
    path("review/outside/<str:public_id>/vote/", outside_views.vote, name="outside-vote"),
    path("review/<str:reference>/", review_views.review_detail, name="review"),
    path(
        "review/<str:reference>/<slug:action>/",
        review_views.review_action,
        name="review-action",
    ),
]
