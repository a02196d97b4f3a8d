"""Reading the GA4GH passport (Passport 1.2) an identity provider returns in userinfo.

Each visa is a JWT whose header names the key set (`jku`) and key (`kid`) that signed it.
A visa is believed only when its issuer is in GA4GH_VISA_TRUSTED_ISSUERS and its `jku` is
exactly the JWKS URL listed there: otherwise anyone could sign a visa and point at their
own keys. Visas without a `jku` (the "embedded access token" form) cannot be checked this
way and are refused too.

A passport with any visa that fails is refused as a whole, with the reason, and nothing is
stored (docs/identity.md): a committee must be able to tell "no visa" from "a visa we could
not check", and an operator sees the refusal in the audit log and can fix the trust list.
"""

from __future__ import annotations

from typing import Any, TypedDict

import jwt
import requests
from django.conf import settings

from accounts.federation.keys import signing_key
from accounts.federation.refusals import SignInRefused

VISA_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
KNOWN_TYPES = {
    "ResearcherStatus",
    "AffiliationAndRole",
    "AcceptedTermsAndPolicies",
    "LinkedIdentities",
    "ControlledAccessGrants",
}


class VerifiedVisa(TypedDict):
    type: str
    value: str
    source: str
    by: str
    asserted: int
    exp: int
    issuer: str


def verify_passport(passport: Any) -> list[VerifiedVisa]:
    """The verified visas of `passport` (a list of visa JWTs), or SignInRefused."""
    if passport is None:
        return []
    if not isinstance(passport, list) or not all(isinstance(v, str) for v in passport):
        raise SignInRefused("visa_malformed", "ga4gh_passport_v1 is not a list of JWTs")
    return [verify_visa(visa) for visa in passport]


def verify_visa(token: str) -> VerifiedVisa:
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise SignInRefused("visa_malformed", type(exc).__name__) from exc
    issuer = str(unverified.get("iss", "")).rstrip("/")
    trusted_jwks = settings.GA4GH_VISA_TRUSTED_ISSUERS.get(issuer)
    if trusted_jwks is None or header.get("jku") != trusted_jwks:
        raise SignInRefused("visa_untrusted", issuer[:200])
    try:
        key = signing_key(trusted_jwks, header.get("kid"))
    except jwt.exceptions.PyJWKError as exc:
        raise SignInRefused("visa_signature", "unknown key") from exc
    except (requests.RequestException, ValueError) as exc:
        raise SignInRefused("provider_unreachable", "visa issuer") from exc
    claims = _decode(token, key, unverified.get("iss", ""))
    return _visa_from(claims, issuer)


def _decode(token: str, key: jwt.PyJWK, issuer: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key=key,
            algorithms=VISA_ALGORITHMS,
            issuer=issuer,
            leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
            options={"require": ["iss", "sub", "exp", "iat"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SignInRefused("visa_expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise SignInRefused("visa_signature") from exc
    except jwt.PyJWTError as exc:
        raise SignInRefused("visa_malformed", type(exc).__name__) from exc


def _visa_from(claims: dict[str, Any], issuer: str) -> VerifiedVisa:
    body = claims.get("ga4gh_visa_v1")
    if not isinstance(body, dict):
        raise SignInRefused("visa_malformed", "no ga4gh_visa_v1")
    try:
        visa = VerifiedVisa(
            type=str(body["type"]),
            value=str(body["value"])[:1000],
            source=str(body["source"])[:1000],
            by=str(body.get("by", ""))[:20],
            asserted=int(body["asserted"]),
            exp=int(claims["exp"]),
            issuer=issuer,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise SignInRefused("visa_malformed", "incomplete ga4gh_visa_v1") from exc
    if visa["type"] not in KNOWN_TYPES:
        raise SignInRefused("visa_malformed", "unknown visa type")
    return visa
