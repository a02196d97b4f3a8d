"""Page routes of audit."""

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.log, name="log"),
    path("objects/<str:object_type>/<path:object_id>/", views.object_history, name="object"),
    path("export/", views.export_download, name="export"),
    path("export/manifest/", views.export_manifest, name="export-manifest"),
    path("verify/", views.verify, name="verify"),
]
