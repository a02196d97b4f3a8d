"""Grants on data whose consent asks for ethics approval (IRB) stay active only while the
request holds a valid ethics approval (issue 18): the job suspends each such grant once the
last approval has lapsed; filing a new one (access_requests.ethics_services, through
EthicsApprovalFiled) reinstates the grants it suspended. A grant suspended for another
reason (the committee, a sanction, a report) is left as it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import ethics
from access_requests.models import AccessRequest
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import Grant, SuspensionKind
from agreements.services._common import grant_context, grant_step_as_system, tell_grant_people

GS = workflow.Status
JOB = "agreements.ethics_approvals"
LISTED = 50


def _lapsed_grants(today: Any) -> Any:
    return (
        Grant.objects.filter(status=GS.ACTIVE, requested_dataset__ethics_approval_required=True)
        .exclude(ethics.valid_approval_exists(today, "access_request_id"))
        .order_by("id")
    )


def ethics_approvals_lapsed(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Suspend every active grant whose request no longer holds a valid ethics approval,
    and tell the people it covers. Works from state: run twice, it suspends nothing twice."""
    today = timezone.localdate(now)
    lapsed = _lapsed_grants(today)
    if dry_run:
        return {"to_suspend": lapsed.count(), "grants": [g.reference for g in lapsed[:LISTED]]}
    suspended: list[str] = []
    for grant_id in list(lapsed.values_list("id", flat=True)):
        with transaction.atomic():
            grant = _lapsed_grants(today).select_for_update(of=("self",)).filter(pk=grant_id)
            found = grant.select_related("holder", "dataset", "committee", "access_request").first()
            if found is None:
                continue  # renewed or changed since it was listed
            found = grant_step_as_system(
                found,
                workflow.Action.SUSPEND,
                AgreementAudit.GRANT_SUSPENDED,
                reason="The ethics approval the participants' consent asks for has lapsed.",
                kind=SuspensionKind.ETHICS_APPROVAL,
                system=JOB,
            )
            tell_grant_people(
                "grant_status_changed",
                found,
                f"grant.suspended:{found.reference}:ethics:{today.isoformat()}",
                grant_context(found),
                None,
            )
            suspended.append(found.reference)
    return {"suspended": suspended}


def grants_reinstate_after_ethics(*, access_request: AccessRequest, actor: Any) -> list[str]:
    """The grants of the request the job suspended for a lapsed approval, active again now
    that a valid one is on file (inside the filing's transaction)."""
    if ethics.current_approval(access_request, timezone.localdate()) is None:
        return []
    reinstated = []
    waiting = Grant.objects.select_for_update(of=("self",)).filter(
        access_request=access_request,
        status=GS.SUSPENDED,
        suspension_kind=SuspensionKind.ETHICS_APPROVAL,
    )
    for grant in waiting.select_related("holder", "dataset", "committee", "access_request"):
        grant = grant_step_as_system(
            grant,
            workflow.Action.REINSTATE,
            AgreementAudit.GRANT_REINSTATED,
            reason="A valid ethics approval was filed.",
            actor=actor,
        )
        tell_grant_people(
            "grant_status_changed",
            grant,
            f"grant.reinstated:{grant.reference}:ethics:{timezone.now().isoformat()}",
            grant_context(grant),
            actor,
        )
        reinstated.append(grant.reference)
    return reinstated
