"""The grant expiry job on real Celery workers through Redis: the task runs on a worker
subprocess, and a worker killed after the job committed but before it acknowledged the
message (acks_late) leaves a redelivery that runs again without expiring or notifying
anything twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from agreements.models import Grant
from notifications.models import Notification
from tests.agreements.conftest import events
from tests.notifications.celery_harness import (
    celery_conf,
    database_url,
    running_worker,
    unique_queue,
    wait_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services, pytest.mark.slow]


def _env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mail").mkdir(exist_ok=True)
    (tmp_path / "markers").mkdir(exist_ok=True)
    return {
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DAC_TEST_VISIBILITY_TIMEOUT": "2",
        "DAC_TEST_MAIL_DIR": str(tmp_path / "mail"),
        "DAC_TEST_MARKER_DIR": str(tmp_path / "markers"),
    }


@pytest.fixture
def due_grant(seeded: None) -> Grant:
    """An active grant whose end passed a minute ago (the job runs as of the real now)."""
    from accounts.models import User
    from agreements.demo import approve_for_demo, sign_all

    mail.outbox.clear()
    users = {u.username: u for u in User.objects.all()}
    request = approve_for_demo(
        applicant=users["researcher1"],
        title="Celery expiry",
        datasets=["DACD000007"],
        chair=users["chair1"],
        official=users["official1"],
    )
    sign_all(request, users["official1"])
    now = timezone.now()
    Grant.objects.filter(access_request=request).update(
        starts_at=now - timedelta(days=30), ends_at=now - timedelta(minutes=1)
    )
    return Grant.objects.get(access_request=request)


def _expired_once(grant: Grant) -> None:
    assert len(events("grant.expired", object_id=grant.reference)) == 1
    assert (
        Notification.objects.filter(
            kind="grant_expired", dedupe_key__contains=grant.reference
        ).count()
        == 1
    )


def test_the_expiry_job_runs_on_a_real_worker_through_redis(
    due_grant: Grant, require_postgres: None, require_redis: str, tmp_path: Path
) -> None:
    queue = unique_queue("agreements")
    with (
        celery_conf(task_always_eager=False, broker_url=require_redis),
        running_worker(
            queue=queue, env=_env(require_redis, tmp_path), log=tmp_path / "w.log"
        ) as worker,
    ):
        from dac_portal.celery import app

        app.send_task("jobs.run", args=("agreements.expire_grants",), queue=queue)
        wait_for(
            lambda: Grant.objects.get(pk=due_grant.pk).status == "expired",
            timeout=60,
            what=f"the expiry job on the worker:\n{worker.output()}",
        )
    _expired_once(due_grant)


def test_a_worker_killed_before_acking_the_job_leaves_a_rerun_that_does_nothing_twice(
    due_grant: Grant, require_postgres: None, require_redis: str, tmp_path: Path
) -> None:
    env: dict[str, Any] = _env(require_redis, tmp_path)
    (tmp_path / "markers" / "pause-after-task").write_text("")
    queue = unique_queue("agreements")
    with celery_conf(task_always_eager=False, broker_url=require_redis):
        from dac_portal.celery import app

        with running_worker(queue=queue, env=env, log=tmp_path / "first.log") as first:
            app.send_task("jobs.run", args=("agreements.expire_grants",), queue=queue)
            wait_for(
                lambda: (tmp_path / "markers" / "pause-after-task.reached").exists(),
                timeout=60,
                what=f"the job to finish on the first worker:\n{first.output()}",
            )
            first.kill()
        assert Grant.objects.get(pk=due_grant.pk).status == "expired"
        with running_worker(queue=queue, env=env, log=tmp_path / "second.log") as second:
            wait_for(
                lambda: "Task jobs.run[" in second.output() and "succeeded" in second.output(),
                timeout=60,
                what=f"the redelivered job on the second worker:\n{second.output()}",
            )
    _expired_once(due_grant)
