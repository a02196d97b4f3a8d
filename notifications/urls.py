from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox_list, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-read"),
]
