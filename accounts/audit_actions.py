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
    PORTAL_ROLE_ASSIGNED = "portal_role.assigned", _("Role given")
    PORTAL_ROLE_REVOKED = "portal_role.revoked", _("Role taken away")


register(AccountAudit, app="accounts")
