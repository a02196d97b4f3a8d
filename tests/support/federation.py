"""Fixtures for federated sign-in: a real OpenID Connect provider process (Authlib's
server, tests/oidc_provider) started once per test session, and the portal's settings
pointing at it for one test.

The provider signs ID tokens with its own RSA key and visas with a second key of a visa
issuer that the trust list names; faults (a bad signature, a wrong audience, an expired
token, a replayed nonce, an untrusted or expired visa) are switched on for one answer
through its control endpoints.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from dac_portal.federation_settings import allauth_providers_setting, parse_providers

PROVIDER_ID = "testidp"
CLIENT_ID = "dac-portal-tests"
CLIENT_SECRET = "not-a-real-secret"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Any]:
    from tests.oidc_provider.process import start_provider

    provider = start_provider(CLIENT_ID, CLIENT_SECRET)
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def federation(settings: Any, oidc_provider: Any) -> Iterator[Any]:
    """The portal configured with the test provider (http on loopback needs DEBUG on) and
    its visa issuer trusted. Yields the provider, reset to no fault and no MFA."""
    settings.DEBUG = True
    settings.OIDC_PROVIDERS = parse_providers(
        json.dumps(
            [
                {
                    "id": PROVIDER_ID,
                    "name": "Test Identity Provider",
                    "issuer": oidc_provider.issuer,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "scopes": [
                        "openid",
                        "profile",
                        "email",
                        "ga4gh_passport_v1",
                        "eduperson_scoped_affiliation",
                        "schac_home_organization",
                        "orcid",
                    ],
                }
            ]
        ),
        debug=True,
    )
    settings.SOCIALACCOUNT_PROVIDERS = allauth_providers_setting(settings.OIDC_PROVIDERS)
    settings.GA4GH_VISA_TRUSTED_ISSUERS = {
        f"{oidc_provider.issuer}/visa-issuer": f"{oidc_provider.issuer}/visa-issuer/jwks.json"
    }
    control(oidc_provider, "fault", {"fault": None})
    control(oidc_provider, "acr", {"acr": None, "amr": None})
    yield oidc_provider
    control(oidc_provider, "fault", {"fault": None})


def control(provider: Any, what: str, body: dict[str, Any]) -> None:
    response = requests.put(f"{provider.issuer}/_control/{what}", json=body, timeout=10)
    assert response.status_code == 204, response.text


def add_person(provider: Any, sub: str, **claims: Any) -> None:
    """A person at the provider, who signs in at once on the next authorisation request."""
    control(provider, f"users/{sub}", {"claims": claims, "userinfo": {}})
    control(provider, "next", {"username": sub, "auto_approve": True})


def sign_in_through_provider(client: Any, *, process: str = "login", next_url: str = "") -> Any:
    """Drive the authorisation code flow as a browser would, without one: post the
    portal's sign-in button, follow the redirect to the provider (which approves the
    person set by add_person), and bring its answer back to the portal's callback."""
    data = {"process": process}
    if next_url:
        data["next"] = next_url
    started = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/", data)
    assert started.status_code == 302, started.content[:500]
    answer = requests.get(started["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:500]
    callback = urlsplit(answer.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def callback_of(client: Any) -> str:
    """Start a sign-in and return the provider's answer (the callback URL) unused."""
    started = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/", {"process": "login"})
    answer = requests.get(started["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(answer.headers["Location"])
    return f"{callback.path}?{callback.query}"
