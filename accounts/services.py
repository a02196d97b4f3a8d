"""State changes of people, institutions, committees, roles and API tokens.

One function per change, keyword-only, each audited inside its own transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit_actions import AccountAudit
from accounts.membership import (  # noqa: F401  (re-exported: setup code and tests call them here)
    COMMITTEE_ROLE_PERMS,
    committee_membership_add,
    committee_membership_remove,
)
from accounts.models import (
    ApiToken,
    Committee,
    DeclaredInterest,
    Institution,
    PortalRole,
    PortalRoleAssignment,
    User,
)
from accounts.roles import forget_roles
from accounts.two_factor import second_factor_missing, token_owner_annotations
from audit.services import audit_record
from dac_portal.errors import Conflict, PermissionDenied, ValidationError

TOKEN_PREFIX = "dac_"  # noqa: S105  (a public marker, not a secret)


def _full_clean(obj: Any) -> None:
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError("Invalid input.", details=exc.message_dict) from exc


def institution_create(
    *,
    name: str,
    country: str,
    type: str = Institution.Type.ACADEMIC,
    ror_id: str = "",
    actor: User | None,
) -> Institution:
    with transaction.atomic():
        institution = Institution(name=name, country=country.upper(), type=type, ror_id=ror_id)
        _full_clean(institution)
        institution.save()
        audit_record(
            actor=actor,
            system=None if actor else "setup",
            action=AccountAudit.INSTITUTION_CREATED,
            target=("institution", institution.pk),
            data={"name": name, "country": institution.country, "type": type, "ror_id": ror_id},
        )
    return institution


def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    institution: Institution | None = None,
    is_service_account: bool = False,
    actor: User | None,
) -> User:
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first_name,
            last_name=last_name,
            institution=institution,
            is_service_account=is_service_account,
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        _full_clean(user)
        user.save()
        audit_record(
            actor=actor,
            system=None if actor else "setup",
            action=AccountAudit.USER_CREATED,
            target=("user", user.public_id),
            data={"username": username, "institution": institution.name if institution else None},
        )
    return user


def committee_create(*, actor: User | None, slug: str, name: str, **fields: Any) -> Committee:
    with transaction.atomic():
        committee = Committee(slug=slug, name=name, **fields)
        _full_clean(committee)
        committee.save()
        audit_record(
            actor=actor,
            system=None if actor else "setup",
            action=AccountAudit.COMMITTEE_CREATED,
            target=("committee", slug),
            data={"name": name, **{k: v for k, v in fields.items() if k != "policy_text"}},
        )
    return committee


def declared_interest_add(*, actor: User, description: Any) -> DeclaredInterest:
    """A committee person adds an interest to their own register (the chairs of their
    committees see it beside every request they review)."""
    if not actor.committee_memberships.exists():
        raise PermissionDenied("Only committee people keep a register of declared interests.")
    if not isinstance(description, str) or not description.strip() or "\x00" in description:
        raise ValidationError("Say what the interest is.", details={"description": ["Required."]})
    if len(description) > 2000:
        raise ValidationError(
            "Keep it under 2000 characters.", details={"description": ["Too long."]}
        )
    with transaction.atomic():
        interest = DeclaredInterest.objects.create(user=actor, description=description.strip())
        audit_record(
            actor=actor,
            action=AccountAudit.INTEREST_DECLARED,
            target=interest,
            data={"description": interest.description},
        )
    return interest


def declared_interest_end(*, interest: DeclaredInterest, actor: User) -> DeclaredInterest:
    """The person ends an entry of their own register (kept, dated, for the record)."""
    with transaction.atomic():
        locked = DeclaredInterest.objects.select_for_update().get(pk=interest.pk)
        if locked.user_id != actor.pk:
            raise PermissionDenied("Only the person who declared an interest ends it.")
        if locked.ended_at is not None:
            raise Conflict("This interest has already ended.", code="already_ended")
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        audit_record(actor=actor, action=AccountAudit.INTEREST_ENDED, target=locked, data={})
    return locked


def portal_role_assign(
    *, user: User, role: str, institution: Institution | None = None, actor: User | None
) -> PortalRoleAssignment:
    role = PortalRole(role)
    if role == PortalRole.SIGNING_OFFICIAL and institution is None:
        raise ValidationError(
            "A signing official acts for an institution.", details={"institution": ["Required."]}
        )
    if role != PortalRole.SIGNING_OFFICIAL:
        institution = None
    with transaction.atomic():
        if PortalRoleAssignment.objects.filter(
            user=user, role=role, institution=institution
        ).exists():
            raise Conflict(f"{user.username} already holds the role {role.label}.")
        assignment = PortalRoleAssignment.objects.create(
            user=user, role=role, institution=institution
        )
        audit_record(
            actor=actor,
            system=None if actor else "setup",
            action=AccountAudit.PORTAL_ROLE_ASSIGNED,
            target=("user", user.public_id),
            data={"role": role.value, "institution": institution.name if institution else None},
        )
    forget_roles(user)
    return assignment


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_create(
    *, user: User, name: str, days: int | None = None, read_only: bool = False, actor: User
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored and never
    shown again. A read-only token answers GET, HEAD and OPTIONS only."""
    # A token skips the one-time code on every call, so for the roles that must use a
    # second factor it may only be made once that factor is enrolled (whoever asks: the
    # page, or an operator running create_api_token).
    if second_factor_missing(user):
        raise PermissionDenied(
            "Set up a second factor (an authenticator app) before creating an API token.",
            code="two_factor_required",
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(
            "Give the token a name of at most 100 characters.", details={"name": ["Invalid."]}
        )
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if (
        not isinstance(days, int)
        or isinstance(days, bool)
        or not 1 <= days <= settings.API_TOKEN_MAX_DAYS
    ):
        raise ValidationError(
            f"A token lives from 1 to {settings.API_TOKEN_MAX_DAYS} days.",
            details={"days": ["Out of range."]},
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=_hash_token(raw),
            expires_at=timezone.now() + timedelta(days=days),
            read_only=bool(read_only),
        )
        audit_record(
            actor=actor,
            action=AccountAudit.API_TOKEN_CREATED,
            target=("api_token", token.pk),
            data={
                "name": name,
                "prefix": token.prefix,
                "user": str(user.public_id),
                "expires_at": token.expires_at,
                "scope": token.scope,
            },
        )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict(
                "This token is already revoked.",
                details={"revoked_at": token.revoked_at.isoformat()},
            )
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AccountAudit.API_TOKEN_REVOKED,
            target=("api_token", token.pk),
            data={"name": token.name, "prefix": token.prefix, "user": str(token.user.public_id)},
        )
    return token


# How stale last_used_at may get: recording every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token with this secret, or None. Touches last_used_at at most every few
    minutes (a bookkeeping field, not a state change: it is not audited)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    now = timezone.now()
    tokens = ApiToken.objects.select_related("user").filter(
        token_hash=_hash_token(raw), revoked_at__isnull=True, expires_at__gt=now
    )
    if settings.OTP_REQUIRED_FOR_PRIVILEGED:
        # Whether the owner must show a second factor and has one, in the same query
        # (accounts.authentication refuses the token otherwise).
        tokens = tokens.annotate(**token_owner_annotations())
    token = tokens.first()
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
