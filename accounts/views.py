"""Pages about the signed-in person: profile and roles, personal API tokens, the second
factor and re-authentication."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from django_otp import login as otp_login

from accounts import selectors, services, sessions, two_factor
from accounts.federation import selectors as federation_selectors
from accounts.forms import (
    ApiTokenForm,
    OneTimeCodeForm,
    PortalAuthenticationForm,
    ReauthenticationForm,
)
from accounts.language import user_language_set
from dac_portal.errors import ValidationError
from dac_portal.views import acting_user, handles_service_errors


class PortalLoginView(LoginView):
    """The sign-in page: the configured identity providers first, then (unless
    LOCAL_LOGIN_ENABLED is off) the password form."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = PortalAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_providers"] = federation_selectors.providers()
        context["local_login_enabled"] = settings.LOCAL_LOGIN_ENABLED
        return context


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    identities = federation_selectors.identities_of(user)
    names = federation_selectors.provider_names()
    linked = {identity.provider for identity in identities}
    return render(
        request,
        "accounts/profile.html",
        {
            "identities": [
                (identity, names.get(identity.provider, identity.provider))
                for identity in identities
            ],
            "linkable": [p for p in federation_selectors.providers() if p.id not in linked],
            "visas": federation_selectors.visas_of(user),
            "has_password": user.has_usable_password(),
            # The last way to sign in is not offered for unlinking (the service refuses it).
            "can_unlink": user.has_usable_password() or len(identities) > 1,
        },
    )


def _token_page(request: HttpRequest) -> str:
    return str(reverse("accounts:tokens"))


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not sessions.recently_authenticated(request):
        # A new token is a new credential: a stolen session alone must not mint one.
        return sessions.reauth_redirect(request, _token_page(request))
    new_secret = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_secret = services.api_token_create(
            user=acting_user(request),
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            read_only=form.cleaned_data["read_only"],
            actor=acting_user(request),
        )
        form = ApiTokenForm()
        messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": selectors.api_token_list(user=acting_user(request)),
            "new_secret": new_secret,
        },
        status=status,
    )


@login_required
@require_POST
@handles_service_errors
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for_user(user=acting_user(request), token_id=token_id)
    services.api_token_revoke(token=token, actor=acting_user(request))
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret, confirm with a first code."""
    if two_factor.confirmed_device(acting_user(request)):
        return redirect("accounts:2fa-verify")
    device = two_factor.pending_device(acting_user(request))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.totp_device_confirm(
                user=acting_user(request), device=device, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            sessions.mark_authenticated(request)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("home")
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "secret": secret, "config_url": device.config_url},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    device = two_factor.confirmed_device(acting_user(request))
    if device is None:
        return redirect("accounts:2fa-setup")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            sessions.mark_authenticated(request)
            return redirect("home")
        form.add_error("token", _("That code is not valid."))
    status = 400 if form.errors else 200
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm the password (and the one-time code, for someone enrolled) again, then go
    back to `next`: the gate in front of decisions, revocations, audit exports and new
    tokens (accounts.sessions). The password goes through authenticate(), so django-axes
    counts failures and locks out here as on the sign-in page, and failures are audited."""
    user = acting_user(request)
    device = two_factor.confirmed_device(user)
    next_url = sessions.safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if not user.has_usable_password():
        # Someone who only ever signed in through an identity provider confirms there: a
        # fresh sign-in with the same provider sets the time of the check.
        names = federation_selectors.provider_names()
        return render(
            request,
            "accounts/reauthenticate_federated.html",
            {
                "next": next_url,
                "providers": [
                    (identity.provider, names[identity.provider])
                    for identity in federation_selectors.identities_of(user)
                    if identity.provider in names
                ],
            },
        )
    form = ReauthenticationForm(request.POST or None, with_code=device is not None)
    if request.method == "POST" and form.is_valid():
        checked = authenticate(
            request, username=user.get_username(), password=form.cleaned_data["password"]
        )
        if checked is None or checked.pk != user.pk:
            form.add_error("password", _("That password is not right."))
        elif device is not None and not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", _("That code is not valid."))
        else:
            if device is not None:
                otp_login(request, device)
            sessions.mark_authenticated(request)
            return redirect(next_url)
    status = 400 if form.errors else 200
    return render(
        request,
        "accounts/reauthenticate.html",
        {"form": form, "next": next_url, "with_code": device is not None},
        status=status,
    )


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """The footer's and the account page's language switch: Django's (a cookie, for
    visitors), which also stores a signed-in person's choice for their e-mails and pages."""
    response = set_language(request)
    if request.user.is_authenticated:
        user_language_set(
            user=request.user,  # type: ignore[arg-type]
            language=request.POST.get("language"),
            actor=request.user,  # type: ignore[arg-type]
        )
    return response
