"""Page routes of agreements (and the public JWKS of the visa signer)."""

from django.urls import path

from agreements import template_views, views

app_name = "agreements"
urlpatterns = [
    path("grants/", views.grant_list, name="grants"),
    path("grants/<str:reference>/", views.grant_detail, name="grant"),
    path(
        "grants/<str:reference>/actions/<slug:action>/",
        views.grant_action,
        name="grant-action",
    ),
    path("requests/<str:reference>/agreement/", views.agreement_page, name="agreement"),
    path("requests/<str:reference>/agreement/sign/", views.agreement_sign, name="agreement-sign"),
    path(
        "requests/<str:reference>/agreement/countersign/",
        views.agreement_countersign,
        name="agreement-countersign",
    ),
    path(
        "requests/<str:reference>/agreement/download/",
        views.agreement_download,
        name="agreement-download",
    ),
    path("agreement-templates/", template_views.template_index, name="templates"),
    path("agreement-templates/<slug:slug>/", template_views.template_manage, name="template"),
    path(
        "agreement-templates/<slug:slug>/policy/",
        template_views.template_policy,
        name="template-policy",
    ),
    path("sanctions/", views.sanctions, name="sanctions"),
    path("sanctions/<str:sanction_id>/lift/", views.sanction_lift, name="sanction-lift"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
]
