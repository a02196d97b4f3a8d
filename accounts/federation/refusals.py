"""Why a federated sign-in was refused: one code per reason, with the words shown to the
person and written (as the code) into the audit log. Never the token itself."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.utils.translation import gettext_lazy as _

REASONS = {
    "state": _(
        "The answer from your identity provider did not belong to a sign-in started here "
        "(its state did not match). Start again from the sign-in page."
    ),
    "nonce": _(
        "The identity token was not issued for this sign-in (its nonce did not match): it "
        "may be a replayed token."
    ),
    "signature": _(
        "The identity token's signature could not be verified with the provider's keys."
    ),
    "audience": _("The identity token was issued for another service, not this portal."),
    "issuer": _("The identity token was issued by someone other than the provider."),
    "expired": _("The identity token has expired. Sign in again."),
    "malformed": _("The identity token could not be read."),
    "algorithm": _("The identity token is signed with an algorithm this portal does not accept."),
    "provider_unreachable": _(
        "Your identity provider could not be reached. Try again in a few minutes."
    ),
    "insecure_issuer": _("This identity provider is not configured with a secure address."),
    "cancelled": _("The sign-in was cancelled at your identity provider."),
    "provider_error": _("Your identity provider refused or could not complete the sign-in."),
    "visa_untrusted": _(
        "Your passport carries a visa from an issuer this portal does not trust. Ask the "
        "portal's administrators to add the issuer, or your provider to leave the visa out."
    ),
    "visa_signature": _("A visa in your passport could not be verified with its issuer's keys."),
    "visa_expired": _("A visa in your passport has expired. Sign in again to get a fresh one."),
    "visa_malformed": _("A visa in your passport could not be read."),
}


class SignInRefused(OAuth2Error):
    """Raised inside allauth's callback so that its error path (and our adapter's
    on_authentication_error, which audits) handles every refusal the same way."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in REASONS, reason
        self.reason = reason
        self.detail = detail[:200]
        super().__init__(f"{reason}: {detail}" if detail else reason)


def words_for(reason: str) -> str:
    return str(REASONS.get(reason, REASONS["provider_error"]))
