"""Celery tasks of the audit log. Beat runs `audit.checkpoint` daily (settings
CELERY_BEAT_SCHEDULE); the task is idempotent per UTC day, so a retry or a second beat
changes nothing."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from audit import jobs


@shared_task(
    name="audit.checkpoint",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def checkpoint() -> dict[str, Any]:
    return jobs.checkpoint(timezone.now())
