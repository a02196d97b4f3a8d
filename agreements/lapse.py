"""Unsigned agreements lapse.

An approval is an offer of access on the terms of the agreement prepared with it. If the
applicant does not sign (or, where the committee asks, the signing official does not
countersign) within the committee's `signature_deadline_days` (AgreementPolicy, default
90) of the agreement being prepared, the offer lapses: its pending grants are revoked
(`grant.revoked`, with `lapsed: true`), the request closes once none of its grants is
live, and signing is refused from then on (the request is no longer `approved`: 409).
Without this, an approval given years ago could be taken up against today's consent,
policy and people.

Reminders go 14 and 3 days before the deadline: to the applicant while the agreement is
unsigned, to the institution's signing officials while it waits for a countersignature.
For a request spanning several committees the shortest deadline of those committees
applies. Like every job, this one computes what is due from state as of `now`, so a
worker that was down catches up, and a second run does nothing twice (locks on the grants;
outbox dedupe keys on the messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import Agreement, AgreementPolicy, Grant
from agreements.reminders import reminder_threshold
from agreements.services._common import _officials, grant_step_as_system
from agreements.services.close_out import access_request_close_if_ended
from notifications.services import notify

GS = workflow.Status
# The job's name, and the system actor its audit events name.
SYSTEM = LAPSE_JOB = "agreements.lapse_unsigned"
REMINDER_DAYS = (14, 3)
DEFAULT_DEADLINE_DAYS = AgreementPolicy._meta.get_field("signature_deadline_days").default
LISTED = 50


@dataclass(frozen=True)
class Offer:
    agreement: Agreement
    deadline: datetime

    @property
    def reference(self) -> str:
        return str(self.agreement.access_request.reference)

    @property
    def waits_for_countersignature(self) -> bool:
        return self.agreement.signed_at is not None


def _deadline_days() -> dict[int, int]:
    """committee id -> days to sign, for committees with a policy row (others: default)."""
    return dict(AgreementPolicy.objects.values_list("committee_id", "signature_deadline_days"))


def open_offers(now: datetime, *, within: timedelta) -> list[Offer]:
    """Agreements whose request still has pending grants and whose deadline falls before
    `now + within`, soonest first. The pre-filter on created_at uses the shortest deadline
    of any committee, so only offers near their end are loaded."""
    days_by_committee = _deadline_days()
    shortest = min([DEFAULT_DEADLINE_DAYS, *days_by_committee.values()])
    candidates = (
        Agreement.objects.filter(
            created_at__lte=now + within - timedelta(days=shortest),
            access_request__grants__status=GS.PENDING,
        )
        .select_related("access_request", "access_request__applicant")
        .distinct()
        .order_by("created_at", "id")
    )
    pending_committees: dict[int, set[int]] = {}
    for request_id, committee_id in Grant.objects.filter(
        status=GS.PENDING, access_request__agreement__in=candidates
    ).values_list("access_request_id", "committee_id"):
        pending_committees.setdefault(request_id, set()).add(committee_id)
    offers = []
    for agreement in candidates:
        committees = pending_committees.get(agreement.access_request_id, set())
        days = min(
            (days_by_committee.get(c, DEFAULT_DEADLINE_DAYS) for c in committees),
            default=DEFAULT_DEADLINE_DAYS,
        )
        deadline = agreement.created_at + timedelta(days=days)
        if deadline <= now + within:
            offers.append(Offer(agreement, deadline))
    return offers


def _lapse(offer: Offer, now: datetime) -> list[str]:
    """Revoke the offer's pending grants (locked, so a signature racing the job either
    lands first and activates them, or finds them revoked) and close the request."""
    agreement = offer.agreement
    reason = (
        "The agreement was not countersigned in time: the approval lapsed."
        if offer.waits_for_countersignature
        else "The agreement was not signed in time: the approval lapsed."
    )
    revoked = []
    with transaction.atomic():
        pending = Grant.objects.filter(
            access_request_id=agreement.access_request_id, status=GS.PENDING
        ).order_by("id")
        for grant in pending:
            grant = grant_step_as_system(
                grant,
                workflow.Action.REVOKE,
                AgreementAudit.GRANT_REVOKED,
                reason=reason,
                system=SYSTEM,
                lapsed=True,
                deadline=offer.deadline,
                dataset=grant.dataset.accession,
            )
            revoked.append(grant.reference)
        if revoked:
            access_request = agreement.access_request
            notify(
                "agreement_lapsed",
                access_request.applicant,
                f"agreement.lapsed:{offer.reference}",
                {
                    "reference": offer.reference,
                    "title": access_request.title,
                    "reason": reason,
                    "action_url": f"/requests/{offer.reference}/",
                },
                None,
            )
    if revoked:
        access_request_close_if_ended(access_request=agreement.access_request, system=SYSTEM)
    return revoked


def _remind(offer: Offer, threshold: int) -> int:
    access_request = offer.agreement.access_request
    if offer.waits_for_countersignature:
        recipients = _officials(access_request.institution_id)
        kind = "agreement_countersign_reminder"
    else:
        recipients = [access_request.applicant]
        kind = "agreement_sign_reminder"
    context = {
        "reference": offer.reference,
        "title": access_request.title,
        "days_left": threshold,
        "deadline": f"{timezone.localtime(offer.deadline):%Y-%m-%d}",
        "action_url": f"/requests/{offer.reference}/agreement/",
    }
    sent = 0
    with transaction.atomic():
        for recipient in recipients:
            key = f"agreement.lapse_reminder:{offer.reference}:{recipient.pk}:{threshold}d"
            if notify(kind, recipient, key, context, None):
                sent += 1
    return sent


def lapse_unsigned(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Lapse the offers past their deadline; remind those within 14 and 3 days of it."""
    # One read of the offers ending within the longest reminder period: those already past
    # their deadline lapse, the others may owe a reminder.
    near = open_offers(now, within=timedelta(days=max(REMINDER_DAYS)))
    due = [offer for offer in near if offer.deadline <= now]
    soon = [
        (offer, threshold)
        for offer in near
        if offer.deadline > now
        and (threshold := reminder_threshold(offer.deadline - now, REMINDER_DAYS)) is not None
    ]
    if dry_run:
        return {
            "lapsing": [o.reference for o in due[:LISTED]],
            "reminders_due": [f"{o.reference}:{t}d" for o, t in soon[:LISTED]],
        }
    lapsed = {}
    for offer in due:
        revoked = _lapse(offer, now)
        if revoked:
            lapsed[offer.reference] = revoked
    reminded = sum(_remind(offer, threshold) for offer, threshold in soon)
    return {
        "lapsed": list(lapsed)[:LISTED],
        "grants_revoked": sum(map(len, lapsed.values())),
        "reminders_queued": reminded,
    }
