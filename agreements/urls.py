"""Page routes of agreements (and the public JWKS of the visa signer)."""

from django.urls import path

from agreements import collaborator_views, template_views, views

app_name = "agreements"
urlpatterns = [
    path("grants/", views.grant_list, name="grants"),
    path("grants/<str:reference>/", views.grant_detail, name="grant"),
    path(
        "grants/<str:reference>/actions/<slug:action>/",
        views.grant_action,
        name="grant-action",
    ),
    path(
        "grants/<str:reference>/findings/<str:findings_id>/<slug:action>/",
        views.findings_action,
        name="findings-action",
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
    path(
        "collaborations/invitations/<str:token>/",
        collaborator_views.invitation,
        name="collaboration-invitation",
    ),
    path("collaborations/<str:public_id>/", collaborator_views.collaboration, name="collaboration"),
    path(
        "collaborations/<str:public_id>/sign/",
        collaborator_views.sign,
        name="collaboration-sign",
    ),
    path(
        "collaborations/<str:public_id>/leave/",
        collaborator_views.leave,
        name="collaboration-leave",
    ),
    path(
        "collaborations/<str:public_id>/remove/",
        collaborator_views.remove,
        name="collaboration-remove",
    ),
    path(
        "collaborations/<str:public_id>/resend/",
        collaborator_views.resend,
        name="collaboration-resend",
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
