"""Celery tasks of the outbox. They take ids and are idempotent: a row that is already
sent (or being sent by another worker) is skipped, so a redelivered message sends nothing
twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import DatabaseError

from notifications.services import notification_send


@shared_task(
    bind=True,
    name="notifications.send",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def send_notification(self: Any, notification_id: int) -> str:
    outcome = notification_send(notification_id=notification_id)
    if outcome.status == "deferred" and not self.request.is_eager:
        # The mail server failed: try again after the row's backoff. If the retries run
        # out (or this message is lost), flush_outbox still finds the pending row.
        raise self.retry(countdown=outcome.retry_in, max_retries=self.max_retries)
    return outcome.status
