"""Periodic jobs of the audit log, as plain functions of "now" (run by Celery beat through
audit.tasks, or by `manage.py run_jobs` without a worker)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.audit_actions import LogAudit
from audit.models import AuditEvent
from audit.services import audit_checkpoint_create
from audit.transparency_log import tree_head_sign
from dac_portal import jobs

JOB = "audit.checkpoint"


def checkpoint(now: dt.datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Sign the chain head once per UTC day. Running it again the same day changes nothing;
    after days without a run, one checkpoint covers everything before it."""
    day = now.astimezone(dt.UTC).date().isoformat()
    if dry_run:
        done = AuditEvent.objects.filter(action=LogAudit.AUDIT_CHECKPOINT, data__day=day).exists()
        return {"job": JOB, "day": day, "due": not done, "created": False}
    event, created = audit_checkpoint_create(system="audit_checkpoint", day=day)
    return {
        "job": JOB,
        "day": day,
        "created": created,
        "checkpoint_event_seq": event.seq,
        "checkpointed_seq": event.data.get("seq"),
    }


# `manage.py run_jobs` (cron-driven deployments) and beat both run it through the registry;
# it is idempotent per UTC day.
jobs.register(JOB, checkpoint, schedule=dt.timedelta(days=1))


SIGN_TREE_HEAD = "audit.sign_tree_head"


def sign_tree_head(now: dt.datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Extend the transparency log to the last event and publish a signed tree head
    (docs/transparency-log.md). Every run signs one: a head is also a statement that the
    log was alive at that time."""
    if dry_run:
        return {"job": SIGN_TREE_HEAD, "due": True}
    head = tree_head_sign(now=now, system=SIGN_TREE_HEAD)
    return {"job": SIGN_TREE_HEAD, "tree_size": head.tree_size, "root_hash": head.root_hash}


jobs.register(SIGN_TREE_HEAD, sign_tree_head, schedule=dt.timedelta(hours=1))
