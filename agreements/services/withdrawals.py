"""Consent withdrawals reaching grant holders, and their acknowledgements."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    WithdrawalNotice,
)
from agreements.selectors import policy_for
from agreements.services._common import SYSTEM, grant_context, tell_grant_people
from audit.services import audit_record
from consent.models import ConsentWithdrawal
from consent.services import consent_withdrawal_mark_propagated
from dac_portal.errors import Conflict, PermissionDenied, ValidationError


def consent_withdrawal_propagate(
    *, withdrawal: ConsentWithdrawal, actor: User | None = None, now: datetime | None = None
) -> list[WithdrawalNotice]:
    """Tell every holder of an active (or suspended) grant of the dataset about a recorded
    consent withdrawal: one notice each, due after the committee's deadline (default 30
    days). Idempotent: holders already told are not told again. The periodic job calls it
    for every withdrawal not yet propagated, so a withdrawal recorded while the workers
    were down is propagated on the next run."""
    now = now or timezone.now()
    with transaction.atomic():
        withdrawal = (
            ConsentWithdrawal.objects.select_for_update(of=("self",))
            .select_related("dataset", "dataset__committee")
            .get(pk=withdrawal.pk)
        )
        policy = policy_for(withdrawal.dataset.committee)
        told = set(
            WithdrawalNotice.objects.filter(withdrawal=withdrawal).values_list(
                "grant_id", flat=True
            )
        )
        grants = (
            Grant.objects.filter(
                dataset_id=withdrawal.dataset_id, status__in=list(workflow.HOLDING_STATUSES)
            )
            .exclude(pk__in=told)
            .select_related("holder", "dataset", "committee", "access_request")
            .order_by("id")
        )
        due_at = now + timedelta(days=policy.withdrawal_deadline_days)
        notices = []
        for grant in grants:
            notice = WithdrawalNotice.objects.create(
                withdrawal=withdrawal,
                grant=grant,
                holder=grant.holder,
                notified_at=now,
                due_at=due_at,
            )
            notices.append(notice)
            tell_grant_people(
                "consent_withdrawal_notice",
                grant,
                f"withdrawal.notice:{notice.public_id}",
                _notice_context(notice),
                actor,
            )
        first_time = consent_withdrawal_mark_propagated(withdrawal=withdrawal, at=now)
        if notices or first_time:
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AgreementAudit.CONSENT_WITHDRAWAL_PROPAGATED,
                target=withdrawal,
                data={
                    "dataset": withdrawal.dataset.accession,
                    "grants": [n.grant.reference for n in notices],
                    "due_at": due_at.isoformat(),
                },
            )
    return notices


def _notice_context(notice: WithdrawalNotice) -> dict[str, Any]:
    grant = notice.grant
    withdrawal = notice.withdrawal
    return {
        **grant_context(grant),
        "participant_count": withdrawal.participant_count,
        "pseudonymous_ids": list(withdrawal.pseudonymous_ids or [])[:200],
        "due_on": f"{timezone.localtime(notice.due_at):%Y-%m-%d}",
        "holder_name": grant.holder.get_full_name() or grant.holder.username,
        "action_url": f"/grants/{grant.reference}/",
    }


def withdrawal_acknowledge(
    *, notice: WithdrawalNotice, actor: User, confirm_deletion: Any
) -> WithdrawalNotice:
    """The grant holder acknowledges a withdrawal and confirms the withdrawn participants'
    data is deleted."""
    if confirm_deletion is not True:
        raise ValidationError(
            "Confirm that the withdrawn participants' data is deleted.",
            details={"confirm_deletion": ["Must be true."]},
        )
    with transaction.atomic():
        notice = (
            WithdrawalNotice.objects.select_for_update(of=("self",))
            .select_related("grant", "withdrawal", "withdrawal__dataset")
            .get(pk=notice.pk)
        )
        if notice.holder_id != actor.pk:
            raise PermissionDenied("Only the grant holder acknowledges the withdrawal.")
        if notice.acknowledged_at is not None:
            raise Conflict("Already acknowledged.", code="already_acknowledged")
        now = timezone.now()
        notice.acknowledged_at = now
        notice.acknowledged_by = actor
        notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_record(
            actor=actor,
            action=AgreementAudit.CONSENT_WITHDRAWAL_ACKNOWLEDGED,
            target=notice,
            data={
                "grant": notice.grant.reference,
                "dataset": notice.withdrawal.dataset.accession,
                "deletion_confirmed": True,
                "late": now > notice.due_at,
            },
        )
    return notice
