"""What the agreements app puts on each person's home page (dac_portal/dashboard.py): the
holder's agreements to sign, reports due, grants ending and withdrawal notices; the
official's countersignatures and close-out attestations; the chair's renewals and overdue
reports; the steward's unacknowledged withdrawal notices. Each item links to the oldest
piece of that work when there is one, to the list otherwise."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_requests import workflow as request_workflow
from accounts.models import CommitteeRole
from accounts.permissions import can
from accounts.roles import roles_of
from agreements import workflow
from agreements.models import Agreement, CloseOut, Grant, Renewal, WithdrawalNotice
from dac_portal.dashboard import Panel, WorkItem, register

GS = workflow.Status
REPORT_SOON = timedelta(days=30)
ENDING_SOON = timedelta(days=60)


def _agreement_url(agreement: Agreement | None) -> str:
    if agreement is None:
        return reverse("agreements:grants")
    return reverse("agreements:agreement", args=[agreement.access_request.reference])


def _grants_url() -> str:
    return reverse("agreements:grants")


def _holder_items(user: Any, now: datetime) -> list[WorkItem]:
    to_sign = Agreement.objects.filter(
        access_request__applicant=user,
        access_request__status=request_workflow.Status.APPROVED,
        signed_at__isnull=True,
    ).select_related("access_request")
    today = timezone.localdate(now)
    grants = Grant.objects.filter(holder=user).aggregate(
        reports=Count(
            "pk",
            filter=Q(
                status__in=workflow.HOLDING_STATUSES,
                next_report_due_on__lte=today + REPORT_SOON,
            ),
        ),
        first_report=Min(
            "next_report_due_on",
            filter=Q(status__in=workflow.HOLDING_STATUSES),
        ),
        ending=Count("pk", filter=Q(status=GS.ACTIVE, ends_at__lte=now + ENDING_SOON)),
        first_end=Min("ends_at", filter=Q(status=GS.ACTIVE, ends_at__lte=now + ENDING_SOON)),
    )
    notices = WithdrawalNotice.objects.filter(holder=user, acknowledged_at__isnull=True)
    return [
        WorkItem(
            _("Agreements to sign"),
            to_sign.count(),
            _agreement_url(to_sign.order_by("created_at").first()),
            key="agreements_to_sign",
        ),
        WorkItem(
            _("Progress reports due within 30 days"),
            grants["reports"],
            _grants_url(),
            due=grants["first_report"],
            key="reports_due",
        ),
        WorkItem(
            _("Grants ending within 60 days"),
            grants["ending"],
            _grants_url(),
            due=grants["first_end"],
            key="grants_ending",
        ),
        WorkItem(
            _("Consent withdrawals to acknowledge"),
            notices.count(),
            _grants_url(),
            key="withdrawals_to_acknowledge",
        ),
    ]


def _is_holder(user: Any) -> bool:
    return can(user, "access_request.create")


def _official_items(user: Any, now: datetime) -> list[WorkItem]:
    institutions = roles_of(user).official_for
    to_countersign = Agreement.objects.filter(
        countersignature_required=True,
        signed_at__isnull=False,
        countersigned_at__isnull=True,
        access_request__status=request_workflow.Status.APPROVED,
        access_request__institution_id__in=institutions,
    ).select_related("access_request")
    attestations = CloseOut.objects.filter(
        researcher_attested_at__isnull=False,
        official_attested_at__isnull=True,
        grant__access_request__institution_id__in=institutions,
    )
    return [
        WorkItem(
            _("Agreements to countersign"),
            to_countersign.count(),
            _agreement_url(to_countersign.order_by("signed_at").first()),
            always=True,
            key="countersignatures",
        ),
        WorkItem(
            _("Data destruction attestations to confirm"),
            attestations.count(),
            _grants_url(),
            key="closeout_attestations",
        ),
    ]


def _is_official(user: Any) -> bool:
    return bool(roles_of(user).official_for)


def _chair_items(user: Any, now: datetime) -> list[WorkItem]:
    chaired = roles_of(user).committees_where(CommitteeRole.CHAIR)
    renewals = Renewal.objects.filter(
        status=Renewal.Status.PENDING, grant__committee_id__in=chaired
    ).count()
    overdue = Grant.objects.filter(
        committee_id__in=chaired,
        status__in=workflow.HOLDING_STATUSES,
        next_report_due_on__lt=timezone.localdate(now),
    ).count()
    return [
        WorkItem(_("Renewals to decide"), renewals, _grants_url(), key="renewals"),
        WorkItem(_("Progress reports overdue"), overdue, _grants_url(), key="reports_overdue"),
    ]


def _is_chair(user: Any) -> bool:
    return bool(roles_of(user).committees_where(CommitteeRole.CHAIR))


def _steward_items(user: Any, now: datetime) -> list[WorkItem]:
    stewarded = roles_of(user).committees_where(CommitteeRole.STEWARD)
    outstanding = WithdrawalNotice.objects.filter(
        acknowledged_at__isnull=True, grant__committee_id__in=stewarded
    ).aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    return [
        WorkItem(
            _("Withdrawal notices not yet acknowledged by their holders"),
            outstanding["count"],
            _grants_url(),
            key="withdrawals_outstanding",
        ),
        WorkItem(
            _("Of which past their deadline"),
            outstanding["overdue"],
            _grants_url(),
            key="withdrawals_overdue",
        ),
    ]


def _is_steward(user: Any) -> bool:
    return bool(roles_of(user).committees_where(CommitteeRole.STEWARD))


register(Panel("agreements.holder", _("Your agreements and grants"), _is_holder, _holder_items, 15))
register(Panel("agreements.official", _("Signatures you owe"), _is_official, _official_items, 25))
register(Panel("agreements.chair", _("Grants you oversee"), _is_chair, _chair_items, 45))
register(Panel("agreements.steward", _("Consent withdrawals"), _is_steward, _steward_items, 55))
