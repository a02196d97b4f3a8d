"""The audit actions accounts records, with their words (audit/registry.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register


class AccountAudit(models.TextChoices):
    USER_CREATED = "user.created", _("Account created")
    USER_LOGIN = "user.login", _("Signed in")
    USER_LOGIN_FAILED = "user.login_failed", _("Sign-in failed")
    USER_LOGOUT = "user.logout", _("Signed out")
    USER_TWO_FACTOR_ENABLED = "user.two_factor_enabled", _("Two-factor sign-in set up")
    USER_LANGUAGE_SET = "user.language_set", _("Language chosen")
    API_TOKEN_CREATED = "api_token.created", _("API token created")
    API_TOKEN_REVOKED = "api_token.revoked", _("API token revoked")
    INSTITUTION_CREATED = "institution.created", _("Institution added")
    COMMITTEE_CREATED = "committee.created", _("Committee created")
    COMMITTEE_UPDATED = "committee.updated", _("Committee edited")
    COMMITTEE_MEMBERSHIP_ADDED = "committee_membership.added", _("Committee member added")
    COMMITTEE_MEMBERSHIP_REMOVED = (
        "committee_membership.removed",
        _("Committee member removed"),
    )
    COMMITTEE_MEMBERSHIP_CHANGED = (
        "committee_membership.changed",
        _("Committee member's role or term changed"),
    )
    COMMITTEE_INVITATION_SENT = "committee_invitation.sent", _("Invitation to a committee sent")
    COMMITTEE_INVITATION_CANCELLED = (
        "committee_invitation.cancelled",
        _("Invitation to a committee cancelled"),
    )
    COMMITTEE_INVITATION_ACCEPTED = (
        "committee_invitation.accepted",
        _("Invitation to a committee accepted"),
    )
    COMMITTEE_PROFILE_UPDATED = (
        "committee_profile.updated",
        _("Published committee profile changed"),
    )
    TRAINING_RECORDED = "training_record.added", _("Training record added")
    INTEREST_DECLARED = "declared_interest.added", _("Interest declared")
    INTEREST_ENDED = "declared_interest.ended", _("Declared interest ended")
    PORTAL_ROLE_ASSIGNED = "portal_role.assigned", _("Role given")
    PORTAL_ROLE_REVOKED = "portal_role.revoked", _("Role taken away")
    # Federated sign-in (accounts.federation). The data names the provider, the reason of a
    # refusal and the visa types read; never a token, a secret or a visa's body.
    FEDERATED_SIGN_IN = "accounts.federated_sign_in", _("Signed in through an identity provider")
    FEDERATED_ACCOUNT_CREATED = (
        "accounts.federated_account_created",
        _("Account made at a first sign-in through an identity provider"),
    )
    IDENTITY_LINKED = "accounts.identity_linked", _("Identity provider linked to an account")
    IDENTITY_UNLINKED = "accounts.identity_unlinked", _("Identity provider unlinked")
    SIGN_IN_REFUSED = "accounts.sign_in_refused", _("Sign-in through an identity provider refused")
    VISA_REFUSED = "accounts.visa_refused", _("GA4GH visa refused")
    INSTITUTION_DOMAIN_MAPPED = (
        "accounts.institution_domain_mapped",
        _("Home organisation domain mapped to an institution"),
    )


register(AccountAudit, app="accounts")
