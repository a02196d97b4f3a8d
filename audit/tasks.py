"""Celery tasks of the audit log.

The daily checkpoint is a registered job (audit/jobs.py) that beat sends as `jobs.run`.
The task below keeps the name beat used before the registry was the only schedule, so that
a message already queued under it, or an old beat schedule file, still runs the job; remove
it in the release after 2026-12.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from dac_portal import jobs


@shared_task(name="audit.checkpoint", acks_late=True, ignore_result=True)
def checkpoint() -> dict[str, Any]:
    return jobs.run("audit.checkpoint")
