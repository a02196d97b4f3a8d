"""What the portal reads from a provider's claims besides name and e-mail: the home
organisation's domain, an ORCID iD and whether the sign-in met the REFEDS MFA profile."""

from __future__ import annotations

import re
from typing import Any

# REFEDS Multi-Factor Authentication Profile: the `acr` a provider sends when the person
# used a second factor. RFC 8176's `mfa` in `amr` says the same.
REFEDS_MFA = "https://refeds.org/profile/mfa"
ORCID_ID = re.compile(r"(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def multi_factor(id_token: dict[str, Any]) -> bool:
    amr = id_token.get("amr") or []
    return id_token.get("acr") == REFEDS_MFA or (isinstance(amr, list) and "mfa" in amr)


def home_organization(claims: dict[str, Any]) -> str:
    """schac_home_organization, else the scope of the first eduperson_scoped_affiliation
    (member@uni.example → uni.example); '' when neither is a plausible domain."""
    candidates: list[Any] = [claims.get("schac_home_organization")]
    scoped = claims.get("eduperson_scoped_affiliation") or []
    if isinstance(scoped, str):
        scoped = [scoped]
    candidates += [str(a).partition("@")[2] for a in scoped if isinstance(a, str)]
    for candidate in candidates:
        if isinstance(candidate, str) and DOMAIN.match(candidate.strip().lower()):
            return candidate.strip().lower()
    return ""


def orcid(claims: dict[str, Any], *, issuer: str) -> str:
    """The ORCID iD: `orcid` (LS Login, some institutions) or, when the provider is ORCID
    itself, the `sub`."""
    candidates = [claims.get("orcid")]
    if "orcid.org" in issuer:
        candidates.append(claims.get("sub"))
    for candidate in candidates:
        match = ORCID_ID.search(str(candidate or ""))
        if match:
            return match.group(1)
    return ""


def merged(data: dict[str, Any]) -> dict[str, Any]:
    """ID token claims overlaid with userinfo (which usually has more)."""
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
