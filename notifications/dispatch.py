"""How a queued notification leaves the web process after its transaction commits.

Normally: the `notifications.send` Celery task is published to the broker. Publishing
must never break the request that queued the message: if the broker is down, the failure
is logged and the outbox row stays pending, and the periodic `notifications.flush_outbox`
job sends it later. Nothing is queued into the void.

Inside `deliver_in_process()` (used by `manage.py run_jobs`, so that cron alone can drive a
small deployment), the message is sent right away in this process instead.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

_in_process: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "notifications_in_process", default=False
)

# Publishing gives up quickly when the broker is unreachable: the outbox is the safety net.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}


@contextmanager
def deliver_in_process() -> Iterator[None]:
    token = _in_process.set(True)
    try:
        yield
    finally:
        _in_process.reset(token)


def schedule_send(notification_id: int) -> None:
    """Called by transaction.on_commit once the outbox row is committed."""
    if _in_process.get():
        from notifications.services import notification_send

        try:
            notification_send(notification_id=notification_id)
        except Exception:
            logger.exception("notification %s: in-process send failed", notification_id)
        return
    from notifications.tasks import send_notification

    try:
        send_notification.apply_async(
            args=(notification_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception:
        # The row is committed and pending; flush_outbox will send it.
        logger.exception(
            "notification %s: could not hand the send to the broker; "
            "it stays in the outbox for the next flush",
            notification_id,
        )
