"""Routes allauth reverses by its own names (no namespace): the provider login and
callback, the sign-up form for what a first sign-in's claims lack, and the page allauth
returns to after linking (our profile)."""

from allauth.socialaccount import views as allauth_social
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from accounts.federation import views

urlpatterns = [
    # allauth's name for the sign-in page, where it sends someone with nothing pending.
    path(
        "federated/login/",
        RedirectView.as_view(url=reverse_lazy("accounts:login"), query_string=True),
        name="account_login",
    ),
    path("oidc/<str:provider_id>/login/", views.oidc_login, name="openid_connect_login"),
    path(
        "oidc/<str:provider_id>/login/callback/",
        views.oidc_callback,
        name="openid_connect_callback",
    ),
    path("federated/signup/", allauth_social.signup, name="socialaccount_signup"),
    path(
        "federated/",
        RedirectView.as_view(url=reverse_lazy("accounts:profile")),
        name="socialaccount_connections",
    ),
]
