"""allauth's OpenID Connect provider, made strict.

- The login redirect carries a fresh `nonce`, kept in allauth's per-sign-in state beside
  the state value and the PKCE verifier.
- The callback verifies the ID token every time (accounts.federation.id_tokens), checks
  that userinfo speaks of the same `sub`, and verifies the passport's visas
  (accounts.federation.visas) before allauth looks up or makes an account. Any failure is
  a SignInRefused, which allauth's error path hands to our adapter (audit, refusal page).
- A provider's discovery document must name the configured issuer, and the issuer must be
  https (plain http only on loopback with DEBUG on).
- The scope and extra authorisation parameters come from OIDC_PROVIDERS only, never from
  the query string of the login URL.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from accounts.federation import claims as claim_readers
from accounts.federation import pending
from accounts.federation.id_tokens import verify_id_token
from accounts.federation.keys import fetch_json
from accounts.federation.refusals import SignInRefused
from accounts.federation.visas import verify_passport
from dac_portal.federation_settings import issuer_allowed

NONCE_TTL_SECONDS = 3600


class VerifyingOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    # Set by VerifyingCallbackView from the sign-in's stashed state.
    expected_nonce: str | None = None

    @property
    def openid_config(self) -> dict[str, Any]:
        provider = self.get_provider()
        issuer = str(provider.app.settings["server_url"]).rstrip("/")
        if not issuer_allowed(issuer, debug=settings.DEBUG):
            raise SignInRefused("insecure_issuer", issuer)
        try:
            config = fetch_json(provider.server_url, kind="discovery")
        except (requests.RequestException, ValueError) as exc:
            raise SignInRefused("provider_unreachable", "discovery") from exc
        if str(config.get("issuer", "")).rstrip("/") != issuer:
            raise SignInRefused("issuer", "discovery names another issuer")
        return config

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        response = kwargs["response"]
        id_token = response.get("id_token")
        if not id_token:
            raise SignInRefused("malformed", "no id_token in the token response")
        id_claims = verify_id_token(
            id_token,
            discovery=self.openid_config,
            client_id=app.client_id,
            nonce=self.expected_nonce,
        )
        # A nonce is good for one sign-in: seen once more within its lifetime, it is a replay.
        if not cache.add(f"federation:nonce:{self.expected_nonce}", 1, NONCE_TTL_SECONDS):
            raise SignInRefused("nonce", "used before")
        try:
            userinfo = self._fetch_user_info(token.token)
        except (requests.RequestException, ValueError) as exc:
            raise SignInRefused("provider_unreachable", "userinfo") from exc
        if str(userinfo.get("sub")) != str(id_claims["sub"]):
            raise SignInRefused("malformed", "userinfo is about another subject")
        visas = verify_passport(userinfo.pop("ga4gh_passport_v1", None))
        data = {"id_token": id_claims, "userinfo": userinfo}
        merged = claim_readers.merged(data)
        pending.remember(
            request,
            provider_id=self.provider_id,
            visas=visas,
            multi_factor=claim_readers.multi_factor(id_claims),
            home_organization=claim_readers.home_organization(merged),
            orcid=claim_readers.orcid(merged, issuer=id_claims["iss"]),
        )
        return self.get_provider().sociallogin_from_response(request, data)


class VerifyingCallbackView(OAuth2CallbackView):
    def _get_state(self, request: HttpRequest, provider: Any) -> tuple[Any, Any]:
        state, response = super()._get_state(request, provider)
        if state:
            self.adapter.expected_nonce = state.get("nonce")  # type: ignore[attr-defined]
        return state, response


class PortalOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = VerifyingOpenIDConnectAdapter

    def get_auth_params_from_request(self, request: HttpRequest, action: Any) -> dict[str, Any]:
        return self.get_auth_params()

    def get_scope_from_request(self, request: HttpRequest) -> list[str]:
        return self.get_scope()

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: Any = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        nonce = secrets.token_urlsafe(32)
        auth_params = dict(kwargs.pop("auth_params", None) or self.get_auth_params())
        auth_params["nonce"] = nonce
        try:
            return super().redirect(
                request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
            )
        except SignInRefused as exc:
            return render_authentication_error(request, self, exception=exc)


provider_classes = [PortalOpenIDConnectProvider]
