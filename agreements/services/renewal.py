"""Renewal: the holder asks for more time and the committee decides."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    Renewal,
)
from agreements.services._common import (
    GRANTS,
    REPORT_INTERVAL,
    A,
    _chairs,
    _text,
    grant_context,
)
from dac_portal.errors import Conflict, ValidationError
from notifications.services import notify


@workflow.MACHINE.handles(A.REQUEST_RENEWAL)
def grant_renewal_request(*, grant: Grant, actor: User, justification: Any) -> Renewal:
    """The holder asks the committee to extend an active grant."""
    justification = _text(justification, "justification")
    with GRANTS.fire(
        grant, A.REQUEST_RENEWAL, actor, AgreementAudit.GRANT_RENEWAL_REQUESTED
    ) as firing:
        grant = firing.obj
        if Renewal.objects.filter(grant=grant, status=Renewal.Status.PENDING).exists():
            raise Conflict("A renewal of this grant is already waiting.", code="renewal_pending")
        renewal = Renewal.objects.create(
            grant=grant, justification=justification, requested_by=actor
        )
        firing.data.update(renewal=str(renewal.public_id), justification=justification)
        for chair in _chairs(grant.committee_id):
            notify(
                "grant_renewal_requested",
                chair,
                f"grant.renewal_requested:{renewal.public_id}:{chair.pk}",
                {**grant_context(grant), "justification": justification},
                actor,
            )
    return renewal


@workflow.MACHINE.handles(A.RENEW)
def grant_renewal_decide(*, grant: Grant, actor: User, decision: Any, reason: Any = "") -> Renewal:
    """The chair approves (the grant's end moves by the committee's access period) or
    rejects (reason required) the waiting renewal."""
    if decision not in {"approved", "rejected"}:
        raise ValidationError(
            "The decision is 'approved' or 'rejected'.", details={"decision": ["Invalid choice."]}
        )
    reason = _text(reason, "reason", required=decision == "rejected", limit=2000)
    with GRANTS.fire(grant, A.RENEW, actor, AgreementAudit.GRANT_RENEWED) as firing:
        grant = firing.obj
        renewal = (
            Renewal.objects.select_for_update()
            .filter(grant=grant, status=Renewal.Status.PENDING)
            .first()
        )
        if renewal is None:
            raise Conflict("No renewal of this grant is waiting.", code="no_pending_renewal")
        now = firing.now
        renewal.status = decision
        renewal.decided_by = actor
        renewal.decided_at = now
        renewal.reason = reason
        if decision == "approved":
            assert grant.ends_at is not None and grant.starts_at is not None
            old_end = grant.ends_at
            grant.ends_at = old_end + timedelta(days=grant.committee.default_access_days)
            if grant.next_report_due_on is None:
                grant.next_report_due_on = _next_due_after(grant, old_end)
            grant.status_changed_at = now
            renewal.extended_to = grant.ends_at
            firing.data.update(
                renewal=str(renewal.public_id),
                old_ends_at=old_end.isoformat(),
                new_ends_at=grant.ends_at.isoformat(),
                reason=reason,
            )
        else:
            firing.audit_action = AgreementAudit.GRANT_RENEWAL_REJECTED
            firing.data.update(renewal=str(renewal.public_id), reason=reason)
        renewal.save()
        notify(
            "grant_renewal_decided",
            grant.holder,
            f"grant.renewal_decided:{renewal.public_id}",
            {**grant_context(grant), "decision": decision, "reason": reason},
            actor,
        )
    return renewal


def _next_due_after(grant: Grant, after: datetime) -> Any:
    """The first yearly report date after `after` that falls before the grant's end."""
    assert grant.starts_at is not None and grant.ends_at is not None
    due = grant.starts_at + REPORT_INTERVAL
    while due <= after:
        due += REPORT_INTERVAL
    return timezone.localtime(due).date() if due < grant.ends_at else None
