from django.urls import path

from data_hosts import views

app_name = "data_hosts"
urlpatterns = [
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<uuid:webhook>/", views.webhook_detail, name="webhook"),
    path("webhooks/<uuid:webhook>/delete/", views.webhook_delete, name="webhook-delete"),
    path(
        "webhooks/<uuid:webhook>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="delivery-retry",
    ),
]
