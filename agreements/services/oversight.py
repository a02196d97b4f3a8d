"""Committee oversight of grants: suspend, revoke, reinstate."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    SuspensionKind,
)
from agreements.services._common import (
    A,
    _check,
    _lock_grant,
    _set_status,
    _text,
    grant_context,
)
from agreements.services.close_out import _close_request_if_ended
from audit.services import audit_record
from notifications.services import notify


def _oversight(
    *, grant: Grant, actor: User, reason: Any, action: str, audit_action: AgreementAudit, kind: str
) -> Grant:
    reason = _text(reason, "reason", limit=2000)
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, action, actor)
        now = timezone.now()
        old = _set_status(grant, action, now, reason=reason, kind=kind)
        grant.save()
        audit_record(
            actor=actor,
            action=audit_action,
            target=grant,
            data={"old_status": old, "new_status": grant.status, "reason": reason},
        )
        notify(
            "grant_status_changed",
            grant.holder,
            f"grant.{grant.status}:{grant.reference}:{now.isoformat()}",
            grant_context(grant),
            actor,
        )
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
