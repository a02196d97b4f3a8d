"""django-allauth's hooks, where the portal's rules meet allauth's flow.

- Account adapter: allauth's own password sign-up stays closed (accounts are made by
  administrators, by seed_demo, or at a first federated sign-in).
- Social account adapter: a first sign-in may make an account (asking only for what the
  claims lack); every refusal is audited and shown on one clear page; a new account is
  recorded in the transaction that makes it.
(The receivers of allauth's sign-in and link signals are in accounts/signals.py, with the
other sign-in receivers.)
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

from accounts.federation import services
from accounts.federation.refusals import SignInRefused, words_for


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount: Any) -> str:
        return str(reverse("accounts:profile"))

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        provider_id = sociallogin.account.provider
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            services.federated_account_create(user=user, provider_id=provider_id)
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        refusal = exception if isinstance(exception, SignInRefused) else None
        reason = _reason(refusal, error, exception, extra_context or {})
        provider_id = getattr(getattr(provider, "app", None), "provider_id", "") or ""
        services.sign_in_refused(provider_id=provider_id, refusal=refusal, reason=reason)
        raise ImmediateHttpResponse(
            render(
                request,
                "accounts/sign_in_refused.html",
                {"reason": reason, "words": words_for(reason), "provider": provider},
                status=400,
            )
        )


def _reason(
    refusal: SignInRefused | None, error: Any, exception: Any, context: dict[str, Any]
) -> str:
    if refusal is not None:
        return refusal.reason
    if error == AuthError.CANCELLED:
        return "cancelled"
    if exception is None and "state" not in context:
        # allauth found no stashed sign-in for the state value that came back.
        return "state"
    return "provider_error"
