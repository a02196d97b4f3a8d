"""The periodic job of the webhook outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from dac_portal import jobs
from data_hosts.services import deliveries_flush


def flush_webhooks(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Send every pending webhook delivery that is due: retries after their backoff, and
    first sends that never reached a worker."""
    return deliveries_flush(now, dry_run=dry_run)


# After the jobs that change grants in `run_jobs` (it sends what they queued), and before
# the mail outbox, which stays the last job.
jobs.register(
    "data_hosts.flush_webhooks",
    flush_webhooks,
    schedule=timedelta(seconds=settings.WEBHOOK_FLUSH_INTERVAL_SECONDS),
    order=999,
)
