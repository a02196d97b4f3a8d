"""The periodic jobs of access requests (the committee review's reminders), registered with
dac_portal.jobs, which Celery beat and `manage.py run_jobs` drive."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import ethics
from access_requests.review.services import reviews_remind_overdue
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
    due = [(a, ethics.reminder_step(a, today)) for a in ethics.approvals_to_remind(today)]
    if dry_run:
        return {"due": [f"{a.access_request.reference}:{step}" for a, step in due]}
    sent = []
    for approval, step in due:
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


jobs.register(
    "access_requests.remind_ethics_expiry",
    remind_ethics_expiry,
    schedule=timedelta(hours=6),
    description="Remind applicants 30 and 7 days before their ethics approval lapses.",
    order=61,
)
