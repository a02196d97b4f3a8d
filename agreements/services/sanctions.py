"""Sanctions on researchers and institutions: imposed, lifted, and their effect on grants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Institution, User
from accounts.permissions import require
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    Sanction,
    SuspensionKind,
)
from agreements.selectors import active_sanctions_q
from agreements.services._common import GS, A, _text, grant_context, grant_step_as_system
from audit.services import audit_record
from dac_portal.errors import Conflict, ValidationError
from notifications.services import notify


def _suspend_for_sanction(
    grants: Iterable[Grant], sanction: Sanction, now: datetime, actor: User
) -> list[str]:
    suspended = []
    for each in grants:
        grant = grant_step_as_system(
            each,
            A.SUSPEND,
            AgreementAudit.GRANT_SUSPENDED,
            reason=sanction.reason,
            actor=actor,
            kind=SuspensionKind.SANCTION,
            sanction=str(sanction.public_id),
        )
        notify(
            "grant_status_changed",
            grant.holder,
            f"grant.suspended:{grant.reference}:{sanction.public_id}",
            grant_context(grant),
            actor,
        )
        suspended.append(grant.reference)
    return suspended


def _grants_of_subject(sanction: Sanction, statuses: Iterable[str]) -> Any:
    grants = Grant.objects.select_for_update(of=("self",)).filter(status__in=list(statuses))
    if sanction.user_id:
        grants = grants.filter(holder_id=sanction.user_id)
    else:
        grants = grants.filter(holder__institution_id=sanction.institution_id or 0)
    return grants.select_related("dataset", "committee", "holder", "access_request").order_by("id")


def sanction_impose(
    *,
    actor: User,
    reason: Any,
    user: User | None = None,
    institution: Institution | None = None,
    ends_at: datetime | None = None,
) -> Sanction:
    """Sanction a researcher or an institution (administrators and committee chairs): new
    submissions are refused while it lasts and their active grants are suspended now."""
    require(actor, "sanction.manage", message="Only administrators and chairs impose sanctions.")
    reason = _text(reason, "reason", limit=2000)
    if (user is None) == (institution is None):
        raise ValidationError(
            "Name either a user or an institution.", details={"subject": ["Exactly one."]}
        )
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError(
            "The end must be in the future.", details={"ends_at": ["In the past."]}
        )
    with transaction.atomic():
        sanction = Sanction.objects.create(
            user=user,
            institution=institution,
            reason=reason,
            starts_at=now,
            ends_at=ends_at,
            imposed_by=actor,
            imposed_at=now,
        )
        suspended = _suspend_for_sanction(
            _grants_of_subject(sanction, [GS.ACTIVE]), sanction, now, actor
        )
        audit_record(
            actor=actor,
            action=AgreementAudit.SANCTION_IMPOSED,
            target=sanction,
            data={
                "user": str(user.public_id) if user else None,
                "institution": institution.name if institution else None,
                "reason": reason,
                "ends_at": ends_at.isoformat() if ends_at else None,
                "grants_suspended": suspended,
            },
        )
    return sanction


def sanction_lift(*, sanction: Sanction, actor: User, reason: Any) -> Sanction:
    """End a sanction early. Grants it suspended become active again unless another
    sanction still covers their holder (or they expired meanwhile)."""
    require(actor, "sanction.manage", message="Only administrators and chairs lift sanctions.")
    reason = _text(reason, "reason", limit=2000)
    with transaction.atomic():
        sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
        if sanction.lifted_at is not None:
            raise Conflict("The sanction was already lifted.", code="already_lifted")
        now = timezone.now()
        sanction.lifted_at = now
        sanction.lifted_by = actor
        sanction.lift_reason = reason
        sanction.save()
        reinstated = _reinstate_after_sanctions(sanction, now, actor=actor)
        audit_record(
            actor=actor,
            action=AgreementAudit.SANCTION_LIFTED,
            target=sanction,
            data={"reason": reason, "grants_reinstated": reinstated},
        )
    return sanction


def _reinstate_after_sanctions(
    sanction: Sanction, now: datetime, *, actor: User | None
) -> list[str]:
    in_force = Sanction.objects.filter(active_sanctions_q(now)).exclude(pk=sanction.pk)
    reinstated = []
    for grant in _grants_of_subject(sanction, [GS.SUSPENDED]).filter(
        suspension_kind=SuspensionKind.SANCTION
    ):
        holder = grant.holder
        still = in_force.filter(user=holder).exists() or (
            holder.institution_id and in_force.filter(institution_id=holder.institution_id).exists()
        )
        if still or (grant.ends_at and grant.ends_at <= now):
            continue
        grant_step_as_system(
            grant,
            A.REINSTATE,
            AgreementAudit.GRANT_REINSTATED,
            reason="Sanction ended.",
            actor=actor,
            sanction=str(sanction.public_id),
        )
        reinstated.append(grant.reference)
    return reinstated
