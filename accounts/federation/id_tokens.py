"""Verifying an ID token, always, against the provider's JWKS: signature, `iss`, `aud`
(and `azp` when there are several audiences), `exp`, `iat` and the `nonce` this portal sent.

allauth skips the signature when the token came straight from the token endpoint (the
specification allows it over TLS); the portal verifies it anyway, because the token
endpoint's answer is then not the only thing vouching for who signed in, and because it is
what an auditor will ask about. Only asymmetric algorithms that the provider announces are
accepted: never `none`, never an HMAC keyed with the client secret.
"""

from __future__ import annotations

import hmac
from typing import Any

import jwt
import requests
from django.conf import settings

from accounts.federation.keys import signing_key
from accounts.federation.refusals import SignInRefused

ACCEPTED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


def accepted_algorithms(discovery: dict[str, Any]) -> list[str]:
    announced = discovery.get("id_token_signing_alg_values_supported") or ["RS256"]
    return [alg for alg in announced if alg in ACCEPTED_ALGORITHMS]


def verify_id_token(
    token: str, *, discovery: dict[str, Any], client_id: str, nonce: str | None
) -> dict[str, Any]:
    """The token's claims, or SignInRefused with the reason."""
    algorithms = accepted_algorithms(discovery)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SignInRefused("malformed", type(exc).__name__) from exc
    if header.get("alg") not in algorithms:
        raise SignInRefused("algorithm", str(header.get("alg")))
    try:
        key = signing_key(discovery["jwks_uri"], header.get("kid"))
    except jwt.exceptions.PyJWKError as exc:
        raise SignInRefused("signature", "unknown key") from exc
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise SignInRefused("provider_unreachable", type(exc).__name__) from exc
    claims = _decode(token, key, algorithms, discovery["issuer"], client_id)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise SignInRefused("audience", "azp")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInRefused("nonce")
    return claims


def _decode(
    token: str, key: jwt.PyJWK, algorithms: list[str], issuer: str, client_id: str
) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key=key,
            algorithms=algorithms,
            audience=client_id,
            issuer=issuer,
            leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SignInRefused("expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise SignInRefused("audience") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise SignInRefused("malformed", f"no {exc.claim}") from exc
    except jwt.InvalidIssuerError as exc:
        raise SignInRefused("issuer") from exc
    except jwt.InvalidSignatureError as exc:
        raise SignInRefused("signature") from exc
    except jwt.PyJWTError as exc:
        raise SignInRefused("malformed", type(exc).__name__) from exc
