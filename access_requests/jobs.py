"""The periodic jobs of access requests (the committee review's reminders), registered with
dac_portal.jobs, which Celery beat and `manage.py run_jobs` drive."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from access_requests import ethics
from access_requests.models import AccessRequest
from access_requests.review.services import reviews_remind_overdue
from accounts.models import Committee, TrainingRecord, User
from accounts.training import months_before
from dac_portal import jobs
from notifications.services import notify


def remind_overdue_reviews(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    return reviews_remind_overdue(now, dry_run=dry_run)


jobs.register(
    "access_requests.remind_overdue_reviews",
    remind_overdue_reviews,
    schedule=timedelta(hours=1),
    description="Remind reviewers and chairs of requests under review past the target.",
    order=60,
)


def remind_ethics_expiry(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Tell applicants 30 and 7 days before their ethics approval lapses (once each: the
    outbox's dedupe key names the approval and the step)."""
    today = timezone.localdate(now)
    due = ethics.approvals_to_remind(today)
    if dry_run:  # the references alone: no row is built
        listed = due.values_list("access_request__reference", "expires_on")
        return {"due": [f"{ref}:{ethics.reminder_step(on, today)}" for ref, on in listed]}
    sent = []
    for approval in due:
        step = ethics.reminder_step(approval.expires_on, today)
        request = approval.access_request
        with transaction.atomic():  # the outbox writes inside a transaction
            queued = notify(
                "ethics_approval_expiring",
                request.applicant,
                f"ethics_approval.expiring:{approval.public_id}:{step}",
                {
                    "reference": request.reference,
                    "title": request.title,
                    "approving_body": approval.approving_body,
                    "approval_number": approval.approval_number,
                    "expires_on": approval.expires_on.isoformat(),
                    "days": step,
                    "action_url": f"/requests/{request.reference}/ethics-approval/",
                },
                None,
            )
        if queued:
            sent.append(f"{request.reference}:{step}")
    return {"sent": sent}


def _lapsing_training(committee: Committee, today: date) -> list[tuple[int, date]]:
    """(person, latest training) of the people whose latest record stops counting for the
    committee within 30 days and who have a request with it still under way or approved.
    Two queries: the few records in the 30-day window first, then, for those people only,
    whether a live request exists (an Exists that stops at the first)."""
    months = committee.training_required_months or 0
    window = dict(
        TrainingRecord.objects.values("user_id")
        .annotate(latest=Max("completed_on"))
        .filter(
            latest__gte=months_before(today, months),
            latest__lt=months_before(today + timedelta(days=30), months),
        )
        .values_list("user_id", "latest")
    )
    if not window:
        return []
    live = AccessRequest.objects.filter(
        applicant_id=OuterRef("pk"),
        status__in=ethics.LIVE_STATUSES,
        committee_routes__committee=committee,
    )
    people = User.objects.filter(pk__in=list(window)).filter(Exists(live))
    return [(user_id, window[user_id]) for user_id in people.values_list("pk", flat=True)]


def remind_training_expiry(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Tell applicants, once, when their latest training record stops meeting a committee's
    requirement within 30 days (the dedupe key names the person, the record's day and the
    committee)."""
    today = timezone.localdate(now)
    due = [
        (committee, user_id, latest)
        for committee in Committee.objects.filter(training_required_months__isnull=False)
        for user_id, latest in _lapsing_training(committee, today)
    ]
    if dry_run:
        return {"due": len(due)}
    people = User.objects.in_bulk([user_id for _c, user_id, _l in due])
    sent = 0
    for committee, user_id, latest in due:
        with transaction.atomic():  # the outbox writes inside a transaction
            sent += bool(
                notify(
                    "training_expiring",
                    people[user_id],
                    f"training.expiring:{user_id}:{latest.isoformat()}:{committee.pk}",
                    {
                        "committee_name": committee.name,
                        "months": committee.training_required_months,
                        "completed_on": latest.isoformat(),
                        "action_url": "/accounts/training/",
                    },
                    None,
                )
            )
    return {"sent": sent}


jobs.register(
    "access_requests.remind_training_expiry",
    remind_training_expiry,
    schedule=timedelta(hours=6),
    description="Remind applicants before their training record stops meeting a committee's rule.",
    order=62,
)
jobs.register(
    "access_requests.remind_ethics_expiry",
    remind_ethics_expiry,
    schedule=timedelta(hours=6),
    description="Remind applicants 30 and 7 days before their ethics approval lapses.",
    order=61,
)
