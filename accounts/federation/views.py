"""Pages of federated sign-in: the provider's login and callback (allauth's views around
our strict provider), unlinking an identity, and the administrators' mapping of home
organisation domains to institutions."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect import views as allauth_oidc
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import sessions
from accounts.federation import selectors, services
from accounts.federation.provider import VerifyingCallbackView, VerifyingOpenIDConnectAdapter
from accounts.forms import InstitutionDomainForm
from accounts.models import InstitutionDomain
from accounts.permissions import is_admin
from dac_portal.errors import PermissionDenied
from dac_portal.views import acting_user, handles_service_errors


def _known(provider_id: str) -> None:
    if provider_id not in selectors.provider_names():
        raise Http404


@require_http_methods(["GET", "POST"])
def oidc_login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Start a sign-in (or, with process=connect, a link) at the provider. A GET shows a
    confirmation with a button: a sign-in starts only from a form this portal served."""
    _known(provider_id)
    if request.POST.get("process") == "connect":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}")
        if not sessions.recently_authenticated(request):
            # Linking adds a way into the account: a stolen session alone must not do it.
            return sessions.reauth_redirect(request, str(reverse("accounts:profile")))
    return allauth_oidc.login(request, provider_id)


def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    _known(provider_id)
    try:
        view = VerifyingCallbackView.adapter_view(
            VerifyingOpenIDConnectAdapter(request, provider_id)
        )
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
@handles_service_errors
def identity_unlink(request: HttpRequest, account_id: int) -> HttpResponse:
    if not sessions.recently_authenticated(request):
        return sessions.reauth_redirect(request, str(reverse("accounts:profile")))
    services.identity_unlink(user=acting_user(request), account_id=account_id)
    messages.success(request, _("The identity provider is no longer linked to your account."))
    return redirect("accounts:profile")


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(acting_user(request)):
        raise PermissionDenied("Only administrators map institution domains.")


@login_required
@require_http_methods(["GET"])
@handles_service_errors
def institution_domains(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(
        request,
        "accounts/institution_domains.html",
        {
            "unmapped": selectors.unmapped_domains()[:200],
            "mapped": selectors.mapped_domains()[:200],
            "form": InstitutionDomainForm(),
        },
    )


@login_required
@require_POST
@handles_service_errors
def institution_domain_map(request: HttpRequest, domain_id: int) -> HttpResponse:
    _require_admin(request)
    domain = get_object_or_404(InstitutionDomain, pk=domain_id)
    form = InstitutionDomainForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/institution_domains.html",
            {
                "unmapped": selectors.unmapped_domains()[:200],
                "mapped": selectors.mapped_domains()[:200],
                "form": form,
                "failed_domain": domain,
            },
            status=400,
        )
    updated = services.institution_domain_map(
        domain=domain, institution=form.cleaned_data["institution"], actor=acting_user(request)
    )
    messages.success(
        request,
        _("%(domain)s now means %(institution)s; %(count)s people updated.")
        % {
            "domain": domain.domain,
            "institution": form.cleaned_data["institution"],
            "count": updated,
        },
    )
    return redirect("accounts:institution-domains")
