"""How new outbox rows leave the web process after their transaction commits: the same
rules as notifications (notifications/dispatch.py): a Celery task per batch, bounded waits
on the broker, and if it is unreachable the rows stay pending for the flush job, which is
the retry. Inside `manage.py run_jobs` they are sent in process."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app

from notifications.dispatch import PUBLISH_RETRY_POLICY, in_process, publishing_paused

logger = logging.getLogger(__name__)

DELIVER_TASK_NAME = "data_hosts.deliver"
# A bigger batch (a whole expiry sweep) is not put on the broker as one message of ids:
# the flush job, which leases and sends in batches, takes it within a minute.
MOST_IDS_PER_TASK = 500


def schedule(delivery_ids: list[int], *, send_in_process: Callable[[int], object]) -> None:
    if in_process():
        for delivery_id in delivery_ids:
            try:
                send_in_process(delivery_id)
            except Exception:
                logger.exception("webhook delivery %s: in-process send failed", delivery_id)
        return
    if len(delivery_ids) > MOST_IDS_PER_TASK:
        logger.info("%s webhook deliveries queued: the flush job sends them", len(delivery_ids))
        return
    task = current_app.tasks[DELIVER_TASK_NAME]
    eager = bool(task.app.conf.task_always_eager)
    if not eager and publishing_paused():
        return
    try:
        task.apply_async(args=(delivery_ids,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:
        # Committed and pending: the flush job sends them within a minute.
        logger.error(
            "webhook deliveries %s: not handed to the broker (%s); the flush job sends them",
            delivery_ids[:10],
            type(exc).__name__,
        )
