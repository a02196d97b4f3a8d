"""Page routes of access_requests."""

from django.urls import path

from access_requests import task_views, views
from access_requests.review import batch_views
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
        "requests/<str:reference>/documents/<str:document_id>/",
        views.document_download,
        name="document",
    ),
    path("review/", review_views.review_queue, name="review-queue"),
    path("review/mode/", review_views.review_mode, name="review-mode"),
    path("review/batch-decision/", batch_views.batch_decision, name="review-batch-decision"),
    path("review/<str:reference>/", review_views.review_detail, name="review"),
    path(
        "review/<str:reference>/<slug:action>/",
        review_views.review_action,
        name="review-action",
    ),
]
