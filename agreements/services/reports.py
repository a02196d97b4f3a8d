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
    GRANTS,
    GS,
    REPORT_INTERVAL,
    A,
    _chairs,
    _text,
    grant_context,
    grant_step_as_system,
)
from agreements.services.findings import findings_input, findings_record
from dac_portal.errors import Conflict
from notifications.services import notify


@workflow.MACHINE.handles(A.REPORT)
def progress_report_submit(
    *,
    grant: Grant,
    actor: User,
    summary: Any,
    publications: Any = "",
    purpose_changes: Any = "",
    findings: Any = None,
) -> ProgressReport:
    """The holder files the yearly report due next, with findings if they have some
    (agreements.services.findings: checked in full before anything is written). A grant
    suspended only because that report was overdue becomes active again (the portal's own
    step, in the same transaction)."""
    summary = _text(summary, "summary")
    publications = _text(publications, "publications", required=False)
    purpose_changes = _text(purpose_changes, "purpose_changes", required=False)
    checked = findings_input(findings)
    with transaction.atomic():
        with GRANTS.fire(grant, A.REPORT, actor, AgreementAudit.GRANT_PROGRESS_REPORTED) as firing:
            grant, now = firing.obj, firing.now
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
            findings_record(
                grant=grant, actor=actor, checked=checked, now=now, progress_report=report
            )
            grant.next_report_due_on = _following_due_date(grant)
            firing.data.update(
                due_on=due_on.isoformat(),
                publications=bool(publications),
                purpose_changed=bool(purpose_changes),
                next_due_on=grant.next_report_due_on.isoformat()
                if grant.next_report_due_on
                else None,
            )
            if checked is not None:
                firing.data.update(checked.audit_data())
        if grant.status == GS.SUSPENDED and grant.suspension_kind == SuspensionKind.PROGRESS_REPORT:
            grant = _reinstate_after_report(grant)
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


def _following_due_date(grant: Grant) -> Any:
    """The report after this one, unless the grant ends first."""
    if grant.next_report_due_on is None or grant.ends_at is None:
        return grant.next_report_due_on
    following = grant.next_report_due_on + REPORT_INTERVAL
    return following if following < timezone.localtime(grant.ends_at).date() else None


def _reinstate_after_report(grant: Grant) -> Grant:
    return grant_step_as_system(
        grant, A.REINSTATE, AgreementAudit.GRANT_REINSTATED, reason="Progress report filed."
    )
