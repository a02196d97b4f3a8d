from django.urls import path

from data_hosts import api

urlpatterns = [
    path("webhooks/", api.WebhooksApi.as_view(), name="api-webhooks"),
    path("webhooks/<uuid:webhook>/", api.WebhookApi.as_view(), name="api-webhook"),
    path(
        "entitlements/changes/",
        api.EntitlementChangesApi.as_view(),
        name="api-entitlement-changes",
    ),
]
