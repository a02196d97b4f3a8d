"""Public keys and discovery documents of identity providers and visa issuers, fetched
over HTTPS and kept for OIDC_METADATA_CACHE_SECONDS, so that a sign-in costs no extra
round trip while a provider's key rotation is still picked up (an unknown `kid` makes the
key set be read again at once)."""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

TIMEOUT_SECONDS = 10


def _cache_key(kind: str, url: str) -> str:
    return f"federation:{kind}:{url}"


def fetch_json(url: str, *, kind: str, refresh: bool = False) -> dict[str, Any]:
    key = _cache_key(kind, url)
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return dict(cached)
    response = requests.get(url, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict):
        raise ValueError(f"{url} did not answer with a JSON object")
    cache.set(key, document, settings.OIDC_METADATA_CACHE_SECONDS)
    return document


def signing_key(jwks_url: str, kid: str | None) -> jwt.PyJWK:
    """The key `kid` of the key set at `jwks_url` (read again once if `kid` is not there:
    the issuer may have rotated its keys since we cached them)."""
    for refresh in (False, True):
        key_set = jwt.PyJWKSet.from_dict(fetch_json(jwks_url, kind="jwks", refresh=refresh))
        for key in key_set.keys:
            if kid is None or key.key_id == kid:
                return key
    raise jwt.exceptions.PyJWKError(f"no key {kid!r} at {jwks_url}")
