"""What a verified sign-in brought besides the identity (visas, MFA, home organisation,
ORCID iD), kept in the session between allauth's callback and the moment the account is
known: at once for a returning person, after the sign-up form for a new one who still
had to give an e-mail address. Only verified claims are kept, never a token."""

from __future__ import annotations

from typing import Any, TypedDict

from django.http import HttpRequest

from accounts.federation.visas import VerifiedVisa

SESSION_KEY = "dac_federated_pending"


class Pending(TypedDict):
    provider_id: str
    visas: list[VerifiedVisa]
    multi_factor: bool
    home_organization: str
    orcid: str


def remember(
    request: HttpRequest,
    *,
    provider_id: str,
    visas: list[VerifiedVisa],
    multi_factor: bool,
    home_organization: str,
    orcid: str,
) -> None:
    request.session[SESSION_KEY] = Pending(
        provider_id=provider_id,
        visas=visas,
        multi_factor=multi_factor,
        home_organization=home_organization,
        orcid=orcid,
    )


def take(request: Any, provider_id: str) -> Pending | None:
    """The pending data of `provider_id`'s sign-in, removed from the session."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    found = session.get(SESSION_KEY)
    if not isinstance(found, dict) or found.get("provider_id") != provider_id:
        return None
    del session[SESSION_KEY]
    return Pending(**found)  # type: ignore[typeddict-item]
