"""URL routes. Each app owns its page routes (`<app>/urls.py`) and API routes
(`<app>/api_urls.py`); this file only mounts them. Every route needs rows in the
authorization matrix (tests/security/matrix_rows/)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dac_portal import health, views

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("consent.api_urls")),
    path("", include("access_requests.api_urls")),
    path("", include("agreements.api_urls")),
    path("", include("data_hosts.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("accounts.federation.urls")),
    path("audit/", include("audit.urls")),
    path("", include("consent.urls")),
    path("", include("access_requests.urls")),
    path("", include("agreements.urls")),
    path("", include("accounts.committee_urls")),
    path("", include("transparency.urls")),
    path("", include("notifications.urls")),
    path("", include("data_hosts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's initialiser as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("accounts.language_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "dac_portal.views.bad_request"
handler403 = "dac_portal.views.permission_denied"
handler404 = "dac_portal.views.page_not_found"
handler500 = "dac_portal.views.server_error"
