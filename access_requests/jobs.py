"""The periodic jobs of access requests (the committee review's reminders), registered with
dac_portal.jobs, which Celery beat and `manage.py run_jobs` drive."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from access_requests.review.services import reviews_remind_overdue
from dac_portal import jobs


def remind_overdue_reviews(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    return reviews_remind_overdue(now, dry_run=dry_run)


jobs.register(
    "access_requests.remind_overdue_reviews",
    remind_overdue_reviews,
    schedule=timedelta(hours=1),
    description="Remind reviewers and chairs of requests under review past the target.",
    order=60,
)
