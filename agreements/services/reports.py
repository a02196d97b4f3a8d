"""Progress reports the holder submits while the grant lasts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    ProgressReport,
    SuspensionKind,
)
from agreements.services._common import (
    GS,
    REPORT_INTERVAL,
    SYSTEM,
    A,
    _chairs,
    _check,
    _lock_grant,
    _set_status,
    _text,
    grant_context,
)
from audit.services import audit_record
from dac_portal.errors import Conflict
from notifications.services import notify


# long: the report, its audit event and the reinstatement it may bring belong to one transaction
@workflow.MACHINE.handles(A.REPORT)
def progress_report_submit(
    *, grant: Grant, actor: User, summary: Any, publications: Any = "", purpose_changes: Any = ""
) -> ProgressReport:
    """The holder files the yearly report due next. A grant suspended only because that
    report was overdue becomes active again."""
    summary = _text(summary, "summary")
    publications = _text(publications, "publications", required=False)
    purpose_changes = _text(purpose_changes, "purpose_changes", required=False)
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, A.REPORT, actor)
        now = timezone.now()
        due_on = grant.next_report_due_on or timezone.localdate(now)
        if ProgressReport.objects.filter(grant=grant, due_on=due_on).exists():
            raise Conflict("This report was already filed.", code="already_reported")
        report = ProgressReport.objects.create(
            grant=grant,
            due_on=due_on,
            summary=summary,
            publications=publications,
            purpose_changes=purpose_changes,
            submitted_by=actor,
            submitted_at=now,
        )
        if grant.next_report_due_on is not None and grant.ends_at is not None:
            following = grant.next_report_due_on + REPORT_INTERVAL
            grant.next_report_due_on = (
                following if following < timezone.localtime(grant.ends_at).date() else None
            )
        reinstated = (
            grant.status == GS.SUSPENDED and grant.suspension_kind == SuspensionKind.PROGRESS_REPORT
        )
        if reinstated:
            _set_status(grant, A.REINSTATE, now, reason="Progress report filed.")
        grant.save()
        audit_record(
            actor=actor,
            action=AgreementAudit.GRANT_PROGRESS_REPORTED,
            target=grant,
            data={
                "due_on": due_on.isoformat(),
                "publications": bool(publications),
                "purpose_changed": bool(purpose_changes),
                "next_due_on": grant.next_report_due_on.isoformat()
                if grant.next_report_due_on
                else None,
            },
        )
        if reinstated:
            audit_record(
                actor=None,
                system=SYSTEM,
                action=AgreementAudit.GRANT_REINSTATED,
                target=grant,
                data={
                    "old_status": GS.SUSPENDED.value,
                    "new_status": grant.status,
                    "reason": "Progress report filed.",
                },
            )
        if purpose_changes:
            for chair in _chairs(grant.committee_id):
                notify(
                    "grant_purpose_changed",
                    chair,
                    f"grant.purpose_changed:{grant.reference}:{due_on.isoformat()}:{chair.pk}",
                    {**grant_context(grant), "purpose_changes": purpose_changes},
                    actor,
                )
    return report
