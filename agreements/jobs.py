"""The periodic jobs of agreements and grants (docs/domain.md, "Jobs"), registered with
dac_portal.jobs from AgreementsConfig.ready().

Each job computes what is due from the state of the database as of `now`, never from
"what happened since the last run": a worker that was down for days catches up on its next
run, and a second run (or two workers at once) sends nothing twice, because every message
goes through the outbox with a dedupe key naming its kind, object and due date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from access_requests.models import AccessRequest
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.ethics_lapse import JOB as ETHICS_JOB
from agreements.ethics_lapse import ethics_approvals_lapsed
from agreements.events import GrantStatusesChanged
from agreements.lapse import LAPSE_JOB, lapse_unsigned
from agreements.models import Grant, Sanction, SuspensionKind, WithdrawalNotice
from agreements.reminders import reminder_threshold
from agreements.selectors import active_sanctions_q, policy_for
from agreements.services._common import (
    _chairs,
    grant_context,
    grant_step_as_system,
    tell_grant_people,
)
from agreements.services.close_out import access_request_close_if_ended
from agreements.services.withdrawals import _notice_context, consent_withdrawal_propagate
from audit.services import audit_record, audit_record_many
from consent.models import ConsentWithdrawal
from dac_portal import events, jobs
from notifications.services import notify

GS = workflow.Status
# The sweep is set-based (one UPDATE), so it reads from the grant table once which statuses
# the system may expire and where that leads; the table gives every one the same target.
EXPIRABLE = workflow.MACHINE.statuses_where(workflow.Action.EXPIRE, workflow.Role.SYSTEM)
(EXPIRED,) = {workflow.next_status(status, workflow.Action.EXPIRE) for status in EXPIRABLE}
EXPIRY_REMINDER_DAYS = (30, 7, 1)
PROGRESS_REMINDER_DAYS = 30
WITHDRAWAL_REMINDER_DAYS = 7
# Expiry notices and request close-outs are looked for among grants that expired this
# recently; older ones were handled by earlier runs.
FOLLOW_UP_WINDOW = timedelta(days=30)
LISTED = 50


def grants_expire_sweep(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Every active or suspended grant whose end has passed becomes `expired`, in a fixed
    number of queries whatever the number of grants: lock the due rows, one UPDATE, and one
    `grant.expired` audit event per grant written together (audit_record_many). A
    concurrent sweep waits for the locks, then finds nothing left to do."""
    due = Grant.objects.filter(status__in=sorted(EXPIRABLE), ends_at__lte=now)
    if dry_run:
        references = list(
            due.order_by("ends_at", "id").values_list("reference", flat=True)[:LISTED]
        )
        return {"due": due.count(), "grants": references}
    with transaction.atomic():
        locked = list(
            due.select_for_update().order_by("id").values_list("id", "reference", "status")
        )
        references = [reference for _id, reference, _status in locked]
        if not references:
            return {"expired": 0}
        expired = due.update(
            status=EXPIRED,
            status_changed_at=now,
            suspension_kind="",
            status_reason="The access period ended.",
        )
        audit_record_many(
            actor=None,
            system="agreements.expire_grants",
            action=AgreementAudit.GRANT_EXPIRED,
            items=[
                (
                    ("grant", reference),
                    {
                        "as_of": now,
                        "from": status,
                        "to": EXPIRED,
                        "reason": "The access period ended.",
                    },
                )
                for _id, reference, status in locked
            ],
        )
        events.publish(
            GrantStatusesChanged(tuple((pk, status, EXPIRED) for pk, _ref, status in locked))
        )
    return {"expired": expired, "grants": references[:LISTED]}


def _expired_follow_ups(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Tell holders their grant expired, and close requests whose grants all ended."""
    recent = Grant.objects.filter(
        status=GS.EXPIRED, status_changed_at__gt=now - FOLLOW_UP_WINDOW, status_changed_at__lte=now
    ).select_related("holder", "dataset", "committee", "access_request")
    live = Grant.objects.filter(
        access_request=OuterRef("pk"), status__in=list(workflow.LIVE_STATUSES)
    )
    closable = (
        AccessRequest.objects.filter(status="approved", grants__in=recent)
        .exclude(Exists(live))
        .distinct()
    )
    if dry_run:
        return {
            "expiry_notices_due": recent.count(),
            "requests_to_close": list(closable.values_list("reference", flat=True)[:LISTED]),
        }
    notified = 0
    for grant in recent.order_by("id"):
        with transaction.atomic():
            if tell_grant_people(
                "grant_expired",
                grant,
                f"grant.expired:{grant.reference}:{timezone.localtime(grant.ends_at):%Y-%m-%d}",
                grant_context(grant),
                None,
            ):
                notified += 1
    closed = [
        access_request.reference
        for access_request in closable
        if access_request_close_if_ended(
            access_request=access_request, system="agreements.expire_grants"
        )
    ]
    return {"expiry_notices": notified, "requests_closed": closed}


@workflow.MACHINE.handles(workflow.Action.EXPIRE)
def expire_grants(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Expire grants past their end (set-based), notify their holders, close ended requests."""
    result = grants_expire_sweep(now, dry_run=dry_run)
    result.update(_expired_follow_ups(now, dry_run=dry_run))
    return result


def remind_expiry(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Remind holders 30, 7 and 1 days before their grant ends (once each)."""
    horizon = now + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    candidates = (
        Grant.objects.filter(status=GS.ACTIVE, ends_at__gt=now, ends_at__lte=horizon)
        .select_related("holder", "dataset", "committee", "access_request")
        .order_by("ends_at", "id")
    )
    due = []
    for grant in candidates:
        assert grant.ends_at is not None
        threshold = reminder_threshold(grant.ends_at - now, EXPIRY_REMINDER_DAYS)
        if threshold is not None:
            due.append((grant, threshold))
    if dry_run:
        return {"due": len(due), "grants": [f"{g.reference}:{t}d" for g, t in due[:LISTED]]}
    sent = 0
    for grant, threshold in due:
        assert grant.ends_at is not None
        with transaction.atomic():
            context = {**grant_context(grant), "days_left": threshold}
            if notify(
                "grant_expiry_reminder",
                grant.holder,
                f"grant.expiry_reminder:{grant.reference}:"
                f"{timezone.localtime(grant.ends_at):%Y-%m-%d}:{threshold}d",
                context,
                None,
            ):
                sent += 1
    return {"due": len(due), "queued": sent}


# long: a set-based job with its dry run, reminders and suspensions over one locked selection
def progress_reports(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Yearly progress reports: a reminder 30 days before the due date, an overdue notice
    on it, and after the committee's grace period the grant is suspended until filed."""
    today = timezone.localdate(now)
    candidates = (
        Grant.objects.filter(
            status__in=[GS.ACTIVE, GS.SUSPENDED],
            next_report_due_on__isnull=False,
            next_report_due_on__lte=today + timedelta(days=PROGRESS_REMINDER_DAYS),
        )
        .select_related("holder", "dataset", "committee", "access_request")
        .order_by("next_report_due_on", "id")
    )
    plan: list[tuple[Grant, str]] = []
    for grant in candidates:
        due_on = grant.next_report_due_on
        assert due_on is not None
        grace = policy_for(grant.committee).progress_report_grace_days
        if today < due_on:
            plan.append((grant, "due"))
        elif today < due_on + timedelta(days=grace) or grant.status != GS.ACTIVE:
            plan.append((grant, "overdue"))
        else:
            plan.append((grant, "suspend"))
    if dry_run:
        return {"due": len(plan), "grants": [f"{g.reference}:{step}" for g, step in plan[:LISTED]]}
    counts = {"due": 0, "overdue": 0, "suspend": 0}
    for grant, step in plan:
        with transaction.atomic():
            grant = (
                Grant.objects.select_for_update(of=("self",))
                .select_related("holder", "dataset", "committee", "access_request")
                .get(pk=grant.pk)
            )
            due_on = grant.next_report_due_on
            if due_on is None:
                continue
            context = {**grant_context(grant), "due_on": due_on.isoformat()}
            if step == "suspend" and grant.status == GS.ACTIVE:
                grant = _suspend_for_overdue_report(grant, due_on)
                notify(
                    "grant_status_changed",
                    grant.holder,
                    f"grant.suspended:{grant.reference}:report:{due_on.isoformat()}",
                    grant_context(grant),
                    None,
                )
                counts["suspend"] += 1
            elif step in {"due", "overdue"} and notify(
                f"progress_report_{step}",
                grant.holder,
                f"grant.progress_{step}:{grant.reference}:{due_on.isoformat()}",
                context,
                None,
            ):
                counts[step] += 1
    return counts


def _suspend_for_overdue_report(grant: Grant, due_on: Any) -> Grant:
    return grant_step_as_system(
        grant,
        workflow.Action.SUSPEND,
        AgreementAudit.GRANT_SUSPENDED,
        reason=f"The progress report due on {due_on.isoformat()} is overdue.",
        kind=SuspensionKind.PROGRESS_REPORT,
        system="agreements.progress_reports",
        report_due_on=due_on.isoformat(),
    )


# long: a set-based job: propagation, reminders and escalation with its dry run
def consent_withdrawals(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Propagate withdrawals not yet propagated; remind holders who have not acknowledged
    a week before the deadline; past it, escalate to the committee's chair (once)."""
    pending = ConsentWithdrawal.objects.filter(propagated_at__isnull=True, recorded_at__lte=now)
    open_notices = WithdrawalNotice.objects.filter(acknowledged_at__isnull=True).select_related(
        "grant",
        "grant__holder",
        "grant__dataset",
        "grant__committee",
        "grant__access_request",
        "withdrawal",
    )
    remind = open_notices.filter(
        due_at__gt=now, due_at__lte=now + timedelta(days=WITHDRAWAL_REMINDER_DAYS)
    )
    escalate = open_notices.filter(due_at__lte=now, escalated_at__isnull=True)
    if dry_run:
        return {
            "to_propagate": pending.count(),
            "reminders_due": remind.count(),
            "escalations_due": escalate.count(),
        }
    propagated = 0
    for withdrawal in pending.order_by("recorded_at", "id"):
        propagated += len(consent_withdrawal_propagate(withdrawal=withdrawal, now=now))
    reminded = 0
    for notice in remind.order_by("due_at", "id"):
        with transaction.atomic():
            if notify(
                "consent_withdrawal_reminder",
                notice.holder,
                f"withdrawal.reminder:{notice.public_id}:{timezone.localtime(notice.due_at):%Y-%m-%d}",
                _notice_context(notice),
                None,
            ):
                reminded += 1
    escalated = 0
    for notice in escalate.order_by("due_at", "id"):
        with transaction.atomic():
            notice = (
                WithdrawalNotice.objects.select_for_update(of=("self",))
                .select_related(
                    "grant",
                    "grant__holder",
                    "grant__dataset",
                    "grant__committee",
                    "grant__access_request",
                    "withdrawal",
                )
                .get(pk=notice.pk)
            )
            if notice.escalated_at is not None or notice.acknowledged_at is not None:
                continue
            notice.escalated_at = now
            notice.save(update_fields=["escalated_at"])
            audit_record(
                actor=None,
                system="agreements.consent_withdrawals",
                action=AgreementAudit.CONSENT_WITHDRAWAL_ESCALATED,
                target=notice,
                data={"grant": notice.grant.reference, "due_at": notice.due_at.isoformat()},
            )
            for chair in _chairs(notice.grant.committee_id):
                notify(
                    "consent_withdrawal_escalation",
                    chair,
                    f"withdrawal.escalation:{notice.public_id}:{chair.pk}",
                    _notice_context(notice),
                    None,
                )
            escalated += 1
    return {"propagated": propagated, "reminded": reminded, "escalated": escalated}


def sanctions_ended(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Grants suspended by a sanction become active again once no sanction covers their
    holder any more (a sanction with an end date runs out by itself; one lifted early is
    handled by sanction_lift at once). Grants past their end are left to expire."""
    in_force = Sanction.objects.filter(active_sanctions_q(now))
    covered = Exists(in_force.filter(user=OuterRef("holder"))) | Exists(
        in_force.filter(institution=OuterRef("holder__institution"))
    )
    due = (
        Grant.objects.filter(
            status=GS.SUSPENDED, suspension_kind=SuspensionKind.SANCTION, ends_at__gt=now
        )
        .exclude(covered)
        .order_by("id")
    )
    if dry_run:
        return {
            "due": due.count(),
            "grants": list(due.values_list("reference", flat=True)[:LISTED]),
        }
    reinstated = []
    for grant_id in list(due.values_list("id", flat=True)):
        with transaction.atomic():
            grant = (
                Grant.objects.select_for_update(of=("self",))
                .select_related("holder", "dataset", "committee", "access_request")
                .get(pk=grant_id)
            )
            if grant.status != GS.SUSPENDED or grant.suspension_kind != SuspensionKind.SANCTION:
                continue
            grant = grant_step_as_system(
                grant,
                workflow.Action.REINSTATE,
                AgreementAudit.GRANT_REINSTATED,
                reason="The sanction ended.",
                system="agreements.sanctions_ended",
            )
            notify(
                "grant_status_changed",
                grant.holder,
                f"grant.active:{grant.reference}:{now.isoformat()}",
                grant_context(grant),
                None,
            )
            reinstated.append(grant.reference)
    return {"reinstated": reinstated[:LISTED], "count": len(reinstated)}


jobs.register("agreements.expire_grants", expire_grants, schedule=timedelta(minutes=15), order=10)
jobs.register("agreements.remind_expiry", remind_expiry, schedule=timedelta(hours=1), order=20)
jobs.register(
    "agreements.progress_reports", progress_reports, schedule=timedelta(hours=6), order=30
)
jobs.register(
    "agreements.consent_withdrawals", consent_withdrawals, schedule=timedelta(hours=1), order=40
)
jobs.register("agreements.sanctions_ended", sanctions_ended, schedule=timedelta(hours=1), order=50)
jobs.register(
    LAPSE_JOB,
    lapse_unsigned,
    schedule=timedelta(hours=1),
    description="Unsigned agreements lapse after the committee's deadline; reminders before.",
    order=15,
)
jobs.register(
    ETHICS_JOB,
    ethics_approvals_lapsed,
    schedule=timedelta(hours=6),
    description="Suspend grants whose request's ethics approval lapsed (the consent asks for one).",
    order=35,
)
