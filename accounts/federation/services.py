"""The audited state changes of federated sign-in. Each runs in one transaction with its
audit event (docs/architecture.md); allauth's hooks (accounts.federation.adapter) and the
pages call these and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from allauth.socialaccount.models import SocialAccount
from django.db import transaction
from django.utils import timezone

from accounts.audit_actions import AccountAudit
from accounts.federation.pending import Pending
from accounts.federation.refusals import SignInRefused
from accounts.models import Institution, InstitutionDomain, PortalRole, ResearcherVisa, User
from accounts.services import portal_role_assign
from audit.services import audit_record, audit_record_atomic
from dac_portal.errors import Conflict, NotFound

# Set in the session when the provider vouched for a second factor (REFEDS MFA): the
# two-factor rule for privileged roles is then met without a TOTP code (accounts.middleware).
MFA_SESSION_KEY = "dac_mfa_by_provider"


def _as_datetime(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _apply_pending(user: User, pending: Pending | None) -> dict[str, Any]:
    """Visas, ORCID iD and home organisation from a verified sign-in; what changed, for the
    audit event (visa types and counts only)."""
    if pending is None:
        return {}
    ResearcherVisa.objects.filter(user=user, provider_id=pending["provider_id"]).delete()
    ResearcherVisa.objects.bulk_create(
        ResearcherVisa(
            user=user,
            provider_id=pending["provider_id"],
            type=visa["type"],
            value=visa["value"],
            source=visa["source"],
            by=visa["by"],
            issuer=visa["issuer"],
            asserted=_as_datetime(visa["asserted"]),
            expires_at=_as_datetime(visa["exp"]),
        )
        for visa in pending["visas"]
    )
    changed: dict[str, Any] = {"visas": sorted(v["type"] for v in pending["visas"])}
    fields: list[str] = []
    if pending["orcid"] and pending["orcid"] != user.orcid:
        user.orcid = pending["orcid"]
        fields.append("orcid")
        changed["orcid"] = user.orcid
    domain = pending["home_organization"]
    if domain and domain != user.home_organization:
        user.home_organization = domain
        fields.append("home_organization")
        changed["home_organization"] = domain
    if domain:
        mapping, _created = InstitutionDomain.objects.get_or_create(domain=domain)
        if mapping.institution_id and user.institution_id is None:
            user.institution_id = mapping.institution_id
            fields.append("institution")
            changed["institution"] = mapping.institution_id
    if fields:
        user.save(update_fields=fields)
    return changed


def federated_account_create(*, user: User, provider_id: str) -> None:
    """Record the account allauth has just made from a first sign-in's claims (called
    inside allauth's save, in the same transaction), with the Researcher role. What the
    sign-in brought (visas, ORCID iD, institution) is applied by federated_sign_in, which
    allauth's sign-in of the new account calls next."""
    # Someone a federation vouches for may ask for data: the committee decides on each
    # request. Other roles are given by administrators, as for every account.
    portal_role_assign(user=user, role=PortalRole.RESEARCHER, actor=user)
    audit_record(
        actor=user,
        action=AccountAudit.FEDERATED_ACCOUNT_CREATED,
        target=("user", user.public_id),
        data={"provider": provider_id, "username": user.username},
    )


def federated_sign_in(
    *, request: Any, user: User, provider_id: str, multi_factor: bool, pending: Pending | None
) -> None:
    _record_with_pending(
        user, AccountAudit.FEDERATED_SIGN_IN, provider_id, pending, multi_factor=multi_factor
    )
    if multi_factor and getattr(request, "session", None) is not None:
        request.session[MFA_SESSION_KEY] = True


def identity_linked(*, user: User, provider_id: str, pending: Pending | None) -> None:
    _record_with_pending(user, AccountAudit.IDENTITY_LINKED, provider_id, pending)


def _record_with_pending(
    user: User, action: str, provider_id: str, pending: Pending | None, **data: Any
) -> None:
    with transaction.atomic():
        changed = _apply_pending(user, pending)
        audit_record(
            actor=user,
            action=action,
            target=("user", user.public_id),
            data={"provider": provider_id, **data, **changed},
        )


def identity_unlink(*, user: User, account_id: int) -> None:
    """Remove one provider identity from the account, with the visas it brought. The last
    way to sign in cannot be removed: an account with no password keeps one identity."""
    with transaction.atomic():
        account = SocialAccount.objects.select_for_update().filter(user=user, pk=account_id).first()
        if account is None:
            raise NotFound("No such linked identity.")
        others = SocialAccount.objects.filter(user=user).exclude(pk=account.pk).exists()
        if not others and not user.has_usable_password():
            raise Conflict(
                "This is your only way to sign in: link another identity provider first."
            )
        provider_id = account.provider
        ResearcherVisa.objects.filter(user=user, provider_id=provider_id).delete()
        account.delete()
        audit_record(
            actor=user,
            action=AccountAudit.IDENTITY_UNLINKED,
            target=("user", user.public_id),
            data={"provider": provider_id},
        )


def sign_in_refused(*, provider_id: str, refusal: SignInRefused | None, reason: str) -> None:
    """A refused sign-in: no account is made or changed; only this event is written."""
    is_visa = reason.startswith("visa_")
    audit_record_atomic(
        actor=None,
        system="authentication",
        action=AccountAudit.VISA_REFUSED if is_visa else AccountAudit.SIGN_IN_REFUSED,
        data={
            "provider": provider_id,
            "reason": reason,
            "detail": refusal.detail if refusal is not None else "",
        },
    )


def institution_domain_map(
    *, domain: InstitutionDomain, institution: Institution, actor: User
) -> int:
    """Map a home organisation's domain to an institution, once; the people already signed
    in from it who have no institution get this one. Returns how many were updated."""
    with transaction.atomic():
        locked = InstitutionDomain.objects.select_for_update().get(pk=domain.pk)
        if locked.institution_id is not None:
            raise Conflict("This domain is already mapped.")
        locked.institution = institution
        locked.mapped_at = timezone.now()
        locked.save(update_fields=["institution", "mapped_at"])
        updated = User.objects.filter(
            home_organization=locked.domain, institution__isnull=True
        ).update(institution=institution)
        audit_record(
            actor=actor,
            action=AccountAudit.INSTITUTION_DOMAIN_MAPPED,
            target=("institution", institution.pk),
            data={"domain": locked.domain, "people_updated": updated},
        )
    return updated
