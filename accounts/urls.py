from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import committee_views, interest_views, training_views, views
from accounts.federation import views as federation

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        views.PortalLoginView.as_view(),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("2fa/setup/", views.two_factor_setup, name="2fa-setup"),
    path("2fa/verify/", views.two_factor_verify, name="2fa-verify"),
    path("reauth/", views.reauthenticate, name="reauth"),
    path("tokens/", views.token_list, name="tokens"),
    path("interests/", interest_views.interests, name="interests"),
    path("committee-profile/", committee_views.committee_profile, name="committee-profile"),
    path("training/", training_views.training_records, name="training"),
    path("interests/<str:public_id>/end/", interest_views.interest_end, name="interest-end"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
    path("identities/<int:account_id>/unlink/", federation.identity_unlink, name="identity-unlink"),
    path("institution-domains/", federation.institution_domains, name="institution-domains"),
    path(
        "institution-domains/<int:domain_id>/map/",
        federation.institution_domain_map,
        name="institution-domain-map",
    ),
]
