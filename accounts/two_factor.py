"""Two-factor authentication (TOTP, django-otp) for the roles that decide or audit.

Chairs, stewards, administrators and auditors must verify a one-time code after their
password before the portal lets them do anything (docs/quality.md). Researchers, signing
officials and members may enrol too.

A Bearer token cannot show a one-time code, so for these roles the token stands on the
enrolment behind it: a token is created only for someone with a confirmed device, and a
token of someone who has none (made before the rule, or before the person became
privileged) is refused on every API call (accounts.authentication). A token call is not
asked for a code again: the person proved the second factor when the token was made.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit_actions import AccountAudit
from accounts.models import ApiToken, CommitteeMembership, PortalRoleAssignment
from accounts.roles import roles_of
from audit.services import audit_record
from dac_portal.errors import ValidationError

PRIVILEGED_COMMITTEE_ROLES = {"chair", "steward"}
PRIVILEGED_PORTAL_ROLES = {"administrator", "auditor"}


def two_factor_required(user: Any) -> bool:
    if not settings.OTP_REQUIRED_FOR_PRIVILEGED:
        return False
    return is_privileged(user)


def is_privileged(user: Any) -> bool:
    """Chairs, stewards, administrators, auditors and superusers: the people who decide,
    revoke or read the audit trail (whatever OTP_REQUIRED_FOR_PRIVILEGED says: their
    sessions are also shorter, accounts.sessions)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if roles.portal & PRIVILEGED_PORTAL_ROLES:
        return True
    return any(held & PRIVILEGED_COMMITTEE_ROLES for held in roles.committees.values())


def second_factor_missing(user: Any) -> bool:
    """True when the rule asks this person for a second factor and none is confirmed."""
    return two_factor_required(user) and confirmed_device(user) is None


# The three questions token_second_factor_missing asks about a token's owner, as SQL on the
# token's own row. Constant text: the only values (role names) are bound parameters.
_OWNER_HOLDS_PORTAL_ROLE = (
    "EXISTS (SELECT 1 FROM accounts_portalroleassignment r "
    "WHERE r.user_id = accounts_apitoken.user_id AND r.role IN (%s, %s))"
)
_OWNER_HOLDS_COMMITTEE_ROLE = (
    "EXISTS (SELECT 1 FROM accounts_committeemembership m "
    "WHERE m.user_id = accounts_apitoken.user_id AND m.role IN (%s, %s))"
)
_OWNER_HAS_CONFIRMED_DEVICE = (
    "EXISTS (SELECT 1 FROM otp_totp_totpdevice d "
    "WHERE d.user_id = accounts_apitoken.user_id AND d.confirmed)"
)


def token_owner_annotations() -> dict[str, RawSQL]:
    """What token_second_factor_missing needs, as subqueries on the token's own query, so
    that checking a Bearer token costs no query of its own (API calls are benchmarked by
    their query count). Written as SQL rather than ORM `Exists`: compiling three ORM
    subqueries on every API call cost more than the rest of a trivial call (5.5 against
    2.6 ms a call, measured in process). tests/accounts checks the table names."""
    boolean = BooleanField()
    return {
        "owner_holds_privileged_portal_role": RawSQL(  # noqa: S611 (constant SQL, bound values)
            _OWNER_HOLDS_PORTAL_ROLE, sorted(PRIVILEGED_PORTAL_ROLES), output_field=boolean
        ),
        "owner_holds_privileged_committee_role": RawSQL(  # noqa: S611
            _OWNER_HOLDS_COMMITTEE_ROLE, sorted(PRIVILEGED_COMMITTEE_ROLES), output_field=boolean
        ),
        "owner_has_confirmed_device": RawSQL(  # noqa: S611
            _OWNER_HAS_CONFIRMED_DEVICE, [], output_field=boolean
        ),
    }


def owner_annotation_tables() -> dict[str, str]:
    """The tables the SQL above names, as the models say they are called (for the test)."""
    return {
        "accounts_apitoken": ApiToken._meta.db_table,
        "accounts_portalroleassignment": PortalRoleAssignment._meta.db_table,
        "accounts_committeemembership": CommitteeMembership._meta.db_table,
        "otp_totp_totpdevice": TOTPDevice._meta.db_table,
    }


def token_second_factor_missing(token: Any) -> bool:
    """second_factor_missing for a token's owner, from token_owner_annotations when the
    token was loaded with them (api_token_authenticate), else by asking the database."""
    if not settings.OTP_REQUIRED_FOR_PRIVILEGED:
        return False
    portal = getattr(token, "owner_holds_privileged_portal_role", None)
    committee = getattr(token, "owner_holds_privileged_committee_role", None)
    has_device = getattr(token, "owner_has_confirmed_device", None)
    if portal is None or committee is None or has_device is None:
        return second_factor_missing(token.user)
    return bool(token.user.is_superuser or portal or committee) and not has_device


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being set up (made on first visit, reused until confirmed).
    Creating it is not audited: nothing is enabled until the first code is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def totp_device_confirm(*, user: Any, device: TOTPDevice, token: str) -> TOTPDevice:
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(token):
            raise ValidationError(
                "That code is not valid. Check the time on your device and try again.",
                details={"token": ["Invalid code."]},
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=user,
            action=AccountAudit.USER_TWO_FACTOR_ENABLED,
            target=("user", user.public_id),
            data={"device": "totp"},
        )
    return device
