"""The periodic jobs of the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from dac_portal import jobs
from notifications.services import outbox_flush


def flush_outbox(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Send every pending notification that is due (catch-up after lost tasks or failures)."""
    return outbox_flush(now, dry_run=dry_run)


# Runs after the other jobs in `run_jobs`, so it delivers what they queued. It is also the
# retry of every send the broker did not take, so beat runs it every minute.
jobs.register(
    "notifications.flush_outbox",
    flush_outbox,
    schedule=timedelta(seconds=settings.NOTIFICATION_FLUSH_INTERVAL_SECONDS),
    order=1000,
)
