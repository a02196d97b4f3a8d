"""Committee oversight of grants: suspend, revoke, reinstate."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    SuspensionKind,
)
from agreements.services._common import (
    GRANTS,
    A,
    _text,
    grant_context,
    revocation_receipt,
    tell_grant_people,
)
from agreements.services.close_out import _close_request_if_ended


def _oversight(
    *, grant: Grant, actor: User, reason: Any, action: str, audit_action: AgreementAudit, kind: str
) -> Grant:
    reason = _text(reason, "reason", limit=2000)
    with transaction.atomic():
        with GRANTS.fire(grant, action, actor, audit_action) as firing:
            grant = firing.obj
            firing.advance()
            grant.status_reason = reason
            grant.suspension_kind = kind if grant.status == workflow.Status.SUSPENDED else ""
            firing.data["reason"] = reason
        receipt = None
        if action == A.REVOKE:
            # The holder may prove the revocation was logged, as an applicant a decision.
            receipt = revocation_receipt(grant, firing.event)
        tell_grant_people(
            "grant_status_changed",
            grant,
            f"grant.{grant.status}:{grant.reference}:{firing.now.isoformat()}",
            grant_context(grant),
            actor,
            receipt_seq=receipt.seq if receipt is not None else None,
        )
        # After the grant's own event: the request closes with its last grant.
        if grant.status in workflow.ENDED_STATUSES:
            _close_request_if_ended(grant.access_request, actor=actor)
    return grant


@workflow.MACHINE.handles(A.SUSPEND)
def grant_suspend(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward suspends an active grant (reason required): no entitlement
    and no visa from that moment."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.SUSPEND,
        audit_action=AgreementAudit.GRANT_SUSPENDED,
        kind=SuspensionKind.COMMITTEE,
    )


@workflow.MACHINE.handles(A.REVOKE)
def grant_revoke(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward revokes a grant for good (reason required)."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.REVOKE,
        audit_action=AgreementAudit.GRANT_REVOKED,
        kind="",
    )


@workflow.MACHINE.handles(A.REINSTATE)
def grant_reinstate(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward lifts a suspension (reason required)."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.REINSTATE,
        audit_action=AgreementAudit.GRANT_REINSTATED,
        kind="",
    )
