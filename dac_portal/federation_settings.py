"""The identity providers and the visa trust list, read from the environment.

OIDC_PROVIDERS is a JSON list of objects with `id`, `name` (shown on the button), `issuer`,
`client_id`, `client_secret` and `scopes`. GA4GH_VISA_TRUSTED_ISSUERS is a JSON object,
visa issuer → the URL of its JWKS; a visa's `jku` header must equal that URL.

A provider's issuer must be https. Plain http is accepted only for a loopback address
(127.0.0.1, ::1, localhost) while DEBUG is on: that is a developer's or a test's own
provider, never a deployment's.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT_SCOPES = ("openid", "profile", "email")


@dataclass(frozen=True)
class OidcProvider:
    id: str
    name: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: tuple[str, ...] = DEFAULT_SCOPES


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def issuer_allowed(issuer: str, *, debug: bool) -> bool:
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and debug and is_loopback(issuer)


def parse_providers(raw: str, *, debug: bool) -> list[OidcProvider]:
    """OIDC_PROVIDERS, checked: a mistake stops the portal at start-up with the reason,
    rather than showing a button that cannot work."""
    if not raw.strip():
        return []
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise ImproperlyConfigured("OIDC_PROVIDERS must be a JSON list of objects.")
    providers = [_provider(entry, debug=debug) for entry in entries]
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured("OIDC_PROVIDERS has two providers with the same id.")
    return providers


def _provider(entry: Any, *, debug: bool) -> OidcProvider:
    if not isinstance(entry, dict):
        raise ImproperlyConfigured("Each entry of OIDC_PROVIDERS must be an object.")
    missing = [
        k for k in ("id", "name", "issuer", "client_id", "client_secret") if not entry.get(k)
    ]
    if missing:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS entry lacks {', '.join(missing)}.")
    provider_id = str(entry["id"])
    if not PROVIDER_ID.match(provider_id):
        raise ImproperlyConfigured(
            f"OIDC_PROVIDERS id {provider_id!r}: use lower-case letters, digits, - and _."
        )
    issuer = str(entry["issuer"]).rstrip("/")
    if not issuer_allowed(issuer, debug=debug):
        raise ImproperlyConfigured(
            f"OIDC_PROVIDERS {provider_id}: the issuer must be https "
            "(http only on a loopback address with DEBUG on)."
        )
    scopes = entry.get("scopes") or list(DEFAULT_SCOPES)
    if isinstance(scopes, str):
        scopes = scopes.split()
    if "openid" not in scopes:
        scopes = ["openid", *scopes]
    return OidcProvider(
        id=provider_id,
        name=str(entry["name"]),
        issuer=issuer,
        client_id=str(entry["client_id"]),
        client_secret=str(entry["client_secret"]),
        scopes=tuple(str(s) for s in scopes),
    )


def parse_trusted_issuers(raw: str) -> dict[str, str]:
    """GA4GH_VISA_TRUSTED_ISSUERS: issuer → JWKS URL, both https (or loopback http)."""
    if not raw.strip():
        return {}
    try:
        trusted = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"GA4GH_VISA_TRUSTED_ISSUERS is not JSON: {exc}") from exc
    if not isinstance(trusted, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in trusted.items()
    ):
        raise ImproperlyConfigured(
            "GA4GH_VISA_TRUSTED_ISSUERS must be a JSON object of issuer → JWKS URL."
        )
    return {issuer.rstrip("/"): jwks for issuer, jwks in trusted.items()}


def allauth_providers_setting(providers: list[OidcProvider]) -> dict[str, Any]:
    """SOCIALACCOUNT_PROVIDERS for django-allauth: one OpenID Connect app per provider, with
    PKCE on, the userinfo read (it carries the passport) and our provider class, which adds
    the nonce and verifies the ID token (accounts.federation.provider)."""
    return {
        "openid_connect": {
            "provider_class": "accounts.federation.provider.PortalOpenIDConnectProvider",
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": p.id,
                    "name": p.name,
                    "client_id": p.client_id,
                    "secret": p.client_secret,
                    "settings": {
                        "server_url": p.issuer,
                        "scope": list(p.scopes),
                        "oauth_pkce_enabled": True,
                        "fetch_userinfo": True,
                    },
                }
                for p in providers
            ],
        }
    }
