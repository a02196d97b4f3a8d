from django.urls import path

from accounts import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("ping/", api.PingApi.as_view(), name="api-ping"),
]
