"""How a queued notification leaves the web process after its transaction commits.

Normally: the `notifications.send` Celery task is published to the broker. Publishing
must never break the request that queued the message, nor make it slow: it runs after the
commit (the change is saved whatever happens here), every wait on the broker is bounded by
CELERY_BROKER_CONNECT_TIMEOUT / CELERY_BROKER_SOCKET_TIMEOUT, a publish is retried at most
once and never after a timeout, and if the broker is unreachable the failure is logged and
the outbox row stays pending: the periodic `notifications.flush_outbox` job (every minute)
is the retry. Nothing is queued into the void.

After a failed publish this process pauses publishing for NOTIFICATION_PUBLISH_PAUSE_SECONDS:
a request that queues several messages (a submission notifies the applicant and every
signing official) then waits for the broker's timeout once, not once per message.

Inside `deliver_in_process()` (used by `manage.py run_jobs`, so that cron alone can drive a
small deployment), the message is sent right away in this process instead.
"""

from __future__ import annotations

import contextvars
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

_in_process: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "notifications_in_process", default=False
)

# When (time.monotonic()) this process may try the broker again after a failed publish.
_paused_until = 0.0
_pause_lock = threading.Lock()


def _is_timeout(exc: BaseException) -> bool:
    """A broker that timed out is hung, not restarting: trying again waits just as long."""
    import redis

    return isinstance(exc, socket.timeout | TimeoutError | redis.exceptions.TimeoutError)


def _give_up_after_a_timeout(exc: BaseException, interval: float) -> None:
    """kombu calls this before it reconnects and retries a publish. A refused or reset
    connection (a restarted Redis leaves stale pooled connections) is worth the one quick
    retry; a timeout is not, so it ends the publish at once."""
    if _is_timeout(exc):
        raise exc


# Publishing gives up quickly when the broker is unreachable: the outbox is the safety net.
# One immediate retry covers a stale pooled connection; the errback refuses it after a
# timeout, so a hung broker costs one socket timeout, not two or three.
PUBLISH_RETRY_POLICY: dict[str, Any] = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "errback": _give_up_after_a_timeout,
}


@contextmanager
def deliver_in_process() -> Iterator[None]:
    token = _in_process.set(True)
    try:
        yield
    finally:
        _in_process.reset(token)


def in_process() -> bool:
    """True inside deliver_in_process(): other outboxes (data_hosts' webhooks) send there
    and then too."""
    return _in_process.get()


def publishing_paused() -> bool:
    """True while this process leaves new messages to the flush after a failed publish."""
    return time.monotonic() < _paused_until


def forget_broker_failures() -> None:
    """Publish again at once (the broker was replaced, e.g. by a test or a reconfiguration)."""
    global _paused_until
    with _pause_lock:
        _paused_until = 0.0


def _pause_publishing() -> None:
    global _paused_until
    with _pause_lock:
        _paused_until = time.monotonic() + settings.NOTIFICATION_PUBLISH_PAUSE_SECONDS


# The Celery task that sends one outbox row (notifications/tasks.py, registered when the
# app is ready). It is looked up by name so that this module imports neither the task nor
# the services that enqueue: services -> dispatch and tasks -> services, never back.
SEND_TASK_NAME = "notifications.send"


def schedule_send(notification_id: int, *, send_in_process: Callable[[int], object]) -> None:
    """Called by transaction.on_commit once the outbox row is committed. `send_in_process`
    sends the row here and now (used inside `deliver_in_process()`)."""
    if _in_process.get():
        try:
            send_in_process(notification_id)
        except Exception:
            logger.exception("notification %s: in-process send failed", notification_id)
        return
    send_notification = current_app.tasks[SEND_TASK_NAME]
    eager = bool(send_notification.app.conf.task_always_eager)
    if not eager and publishing_paused():
        logger.warning(
            "notification %s: the broker was unreachable moments ago; not trying it again "
            "yet, the message stays in the outbox for the next flush",
            notification_id,
        )
        return
    try:
        send_notification.apply_async(
            args=(notification_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY
        )
    except Exception as exc:
        if eager:
            # No broker involved: the send itself failed in this process.
            logger.exception(
                "notification %s: in-process send failed; it stays in the outbox",
                notification_id,
            )
            return
        # The row is committed and pending; flush_outbox will send it. A traceback would
        # say nothing more than the error's own text during an outage.
        _pause_publishing()
        logger.error(
            "notification %s: the broker is unreachable (%s: %s); the message stays in the "
            "outbox for the next flush, and publishing pauses for %ss",
            notification_id,
            type(exc).__name__,
            exc,
            settings.NOTIFICATION_PUBLISH_PAUSE_SECONDS,
        )
