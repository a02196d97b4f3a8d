"""Celery reliability: a worker killed mid-task, concurrent flushes and jobs, a mail server
that fails, and a broker that is down. These use real connections and, where stated, real
worker subprocesses, so they are transactional (the worker and the threads must see
committed rows)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from dac_portal import jobs
from notifications import dispatch
from notifications.models import Notification
from notifications.services import notification_enqueue, outbox_flush
from notifications.tasks import send_notification
from tests.notifications.celery_harness import (
    celery_conf,
    database_url,
    running_worker,
    unique_queue,
    wait_for,
)
from tests.notifications.support import enqueue_ping, sent_events, use_test_templates

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture(autouse=True)
def _templates(settings: Any) -> None:
    use_test_templates(settings)


@pytest.fixture
def seeded_quiet(seeded: None) -> None:
    """The demo data, without the e-mails its seeding sent (demo requests notify)."""
    mail.outbox.clear()


@pytest.fixture
def queued_without_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are committed but no send is scheduled: the test decides who sends them."""
    monkeypatch.setattr(dispatch, "schedule_send", lambda notification_id, **_: None)


def _in_threads(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run `work` in `count` threads released at once, each on its own connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


# --- a worker killed mid-task (acks_late) --------------------------------------------


def _worker_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    (tmp_path / "mail").mkdir(exist_ok=True)
    (tmp_path / "markers").mkdir(exist_ok=True)
    return {
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DAC_TEST_VISIBILITY_TIMEOUT": "2",
        "DAC_TEST_MAIL_DIR": str(tmp_path / "mail"),
        "DAC_TEST_MARKER_DIR": str(tmp_path / "markers"),
    }


def _mails(tmp_path: Path) -> list[Any]:
    return [message_from_bytes(p.read_bytes()) for p in sorted((tmp_path / "mail").iterdir())]


@pytest.mark.slow
def test_a_worker_killed_while_sending_leaves_the_task_to_be_redelivered_and_sent_once(
    seeded_quiet: None,
    require_postgres: None,
    require_redis: str,
    queued_without_dispatch: None,
    tmp_path: Path,
) -> None:
    researcher = User.objects.get(username="researcher1")
    notification = enqueue_ping(researcher, "kill:in-send")
    env = _worker_env(require_redis, tmp_path)
    markers = tmp_path / "markers"
    (markers / "pause-in-send").touch()
    queue = unique_queue("kill")

    with celery_conf(task_always_eager=False, broker_url=require_redis):
        with running_worker(queue=queue, env=env, log=tmp_path / "a.log") as first:
            send_notification.apply_async(args=(notification.pk,), queue=queue)
            wait_for(
                (markers / "pause-in-send.reached").exists,
                timeout=30,
                what="the first worker to be inside the send",
            )
            first.kill()
        # Killed before the mail server saw the message: nothing sent, the row's
        # transaction rolled back with the dead connection.
        assert _mails(tmp_path) == []
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        assert notification.attempts == 0

        with running_worker(queue=queue, env=env, log=tmp_path / "b.log") as second:
            wait_for(
                lambda: Notification.objects.get(pk=notification.pk).status == "sent",
                timeout=60,
                what=f"the redelivered task to send the message:\n{second.output()}",
            )
    mails = _mails(tmp_path)
    assert len(mails) == 1
    assert mails[0]["Subject"] == "Ping about tests"
    assert mails[0]["To"] == researcher.email
    assert sent_events("kill:in-send").count() == 1
    notification.refresh_from_db()
    assert notification.attempts == 1


@pytest.mark.slow
def test_a_worker_killed_after_sending_but_before_acking_sends_nothing_twice(
    seeded_quiet: None,
    require_postgres: None,
    require_redis: str,
    queued_without_dispatch: None,
    tmp_path: Path,
) -> None:
    researcher = User.objects.get(username="researcher1")
    notification = enqueue_ping(researcher, "kill:after-send")
    env = _worker_env(require_redis, tmp_path)
    markers = tmp_path / "markers"
    (markers / "pause-after-task").touch()
    queue = unique_queue("kill")

    with celery_conf(task_always_eager=False, broker_url=require_redis):
        with running_worker(queue=queue, env=env, log=tmp_path / "a.log") as first:
            result = send_notification.apply_async(args=(notification.pk,), queue=queue)
            wait_for(
                (markers / "pause-after-task.reached").exists,
                timeout=30,
                what="the first worker to finish the task without acknowledging it",
            )
            first.kill()
        notification.refresh_from_db()
        assert notification.status == Notification.Status.SENT
        assert len(_mails(tmp_path)) == 1

        # The message was never acknowledged: Redis hands it to the next worker, which
        # finds the row sent and skips it.
        with running_worker(queue=queue, env=env, log=tmp_path / "b.log") as second:
            wait_for(
                lambda: f"notifications.send[{result.id}] succeeded" in second.output(),
                timeout=60,
                what=f"the redelivered task to run again:\n{second.output()}",
            )
            assert "'skipped'" in second.output()
    assert len(_mails(tmp_path)) == 1
    assert sent_events("kill:after-send").count() == 1


# --- concurrency on PostgreSQL -----------------------------------------------------


def test_two_concurrent_outbox_flushes_send_each_notification_once(
    seeded_quiet: None, require_postgres: None, queued_without_dispatch: None, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowBackend"
    users = list(User.objects.exclude(email="").order_by("username")[:5])
    keys = [f"race:{user.username}:{n}" for user in users for n in range(4)]
    with transaction.atomic():
        for key in keys:
            user = users[keys.index(key) % len(users)]
            notification_enqueue(
                kind="test.ping", recipient=user, dedupe_key=key, context={"topic": key}
            )

    results = _in_threads(2, lambda: outbox_flush(timezone.now(), dry_run=False))

    assert sum(r["sent"] for r in results) >= len(keys)  # demo rows may be pending too
    mine = sorted(m.subject for m in mail.outbox if m.subject.startswith("Ping about race:"))
    assert mine == sorted(f"Ping about {k}" for k in keys)
    assert Notification.objects.filter(dedupe_key__in=keys, status="sent").count() == len(keys)
    assert sent_events().filter(data__dedupe_key__in=keys).count() == len(keys)


def test_two_transactions_queueing_the_same_key_at_once_insert_one_row(
    seeded_quiet: None, require_postgres: None, queued_without_dispatch: None
) -> None:
    import time

    researcher = User.objects.get(username="researcher1")

    def work() -> bool:
        with transaction.atomic():
            created = notification_enqueue(
                kind="test.ping",
                recipient=researcher,
                dedupe_key="race:same-key",
                context={"topic": "race"},
            )
            # Hold the transaction open so that the other one inserts meanwhile and has
            # to wait for this commit before its unique check can decide.
            time.sleep(0.3)
        return created is not None

    results = _in_threads(2, work)
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(dedupe_key="race:same-key").count() == 1


def _daily_digest(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """A reminder-style job: one message per user with an address and day."""
    due = list(User.objects.exclude(email="").order_by("username"))
    if dry_run:
        return {"due": len(due)}
    queued = 0
    for user in due:
        # One transaction per message, as the real reminder jobs do per object.
        with transaction.atomic():
            if notification_enqueue(
                kind="test.ping",
                recipient=user,
                dedupe_key=f"digest:{user.public_id}:{now.date().isoformat()}",
                context={"topic": "digest"},
            ):
                queued += 1
    return {"due": len(due), "queued": queued}


def test_the_same_job_run_by_two_workers_at_once_sends_nothing_twice(
    seeded_quiet: None, require_postgres: None, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.backends.SlowBackend"
    jobs.register("tests.daily_digest", _daily_digest)
    at = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    recipients = User.objects.exclude(email="").count()
    try:
        # Both "workers" run the job, then flush, as run_jobs does; every message is also
        # dispatched after its commit (eagerly here), racing with the other thread.
        def work() -> dict[str, Any]:
            queued = jobs.run("tests.daily_digest", now=at)
            flushed = jobs.run("notifications.flush_outbox", now=at)
            return {"queued": queued["queued"], "flushed": flushed}

        results = _in_threads(2, work)
    finally:
        jobs.unregister("tests.daily_digest")
    assert sum(r["queued"] for r in results) == recipients
    assert len([m for m in mail.outbox if m.subject == "Ping about digest"]) == recipients
    assert sent_events().filter(data__kind="test.ping").count() == recipients


# --- mail server and broker failures ------------------------------------------------


def test_a_mail_server_outage_is_retried_by_the_flush_and_nothing_is_lost(
    seeded_quiet: None, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingBackend"
    researcher = User.objects.get(username="researcher2")
    notification = enqueue_ping(researcher, "outage:1")  # the eager send fails after commit
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert notification.attempts == 1

    # The mail server stays down for a while: each due flush records another attempt.
    later = notification.next_attempt_at + timedelta(seconds=1)
    assert outbox_flush(later, dry_run=False)["deferred"] >= 1
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert notification.next_attempt_at > later  # backed off further

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = outbox_flush(notification.next_attempt_at, dry_run=False)
    assert result["sent"] >= 1
    assert [m.subject for m in mail.outbox].count("Ping about tests") == 1
    assert sent_events("outage:1").count() == 1


def test_when_the_broker_is_down_reads_still_work_and_the_outbox_keeps_the_message(
    seeded_quiet: None, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
    down = "redis://127.0.0.1:9/0"
    researcher = User.objects.get(username="researcher1")
    with (
        celery_conf(task_always_eager=False, broker_url=down),
        caplog.at_level(logging.ERROR, logger="notifications.dispatch"),
    ):
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["down"] == ["broker"]

        notification = enqueue_ping(researcher, "broker-down:1")  # commit → publish fails
    assert notification is not None
    assert "stays in the outbox" in caplog.text
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert mail.outbox == []

    # The next flush (beat or cron) delivers it.
    assert outbox_flush(timezone.now(), dry_run=False)["sent"] >= 1
    assert [m.subject for m in mail.outbox].count("Ping about tests") == 1
    assert sent_events("broker-down:1").count() == 1


@pytest.mark.slow
def test_a_send_that_meets_a_mail_server_failure_is_retried_by_the_worker(
    seeded_quiet: None,
    require_postgres: None,
    require_redis: str,
    queued_without_dispatch: None,
    tmp_path: Path,
) -> None:
    researcher = User.objects.get(username="researcher1")
    notification = enqueue_ping(researcher, "worker:retry")
    env = {**_worker_env(require_redis, tmp_path), "DAC_TEST_RETRY_BASE_SECONDS": "1"}
    (tmp_path / "markers" / "fail-in-send").touch()
    queue = unique_queue("retry")
    with (
        celery_conf(task_always_eager=False, broker_url=require_redis),
        running_worker(queue=queue, env=env, log=tmp_path / "w.log") as worker,
    ):
        send_notification.apply_async(args=(notification.pk,), queue=queue)
        wait_for(
            lambda: Notification.objects.get(pk=notification.pk).status == "sent",
            timeout=60,
            what=f"the retried task to send the message:\n{worker.output()}",
        )
        # The first attempt failed (logged by the worker) and a later one sent the message.
        assert "attempt 1 failed" in worker.output()
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert "SMTPServerDisconnected" not in notification.last_error  # cleared once sent
    assert len(_mails(tmp_path)) == 1
    assert sent_events("worker:retry").count() == 1


@pytest.mark.slow
def test_a_task_lost_with_a_killed_worker_on_the_filesystem_broker_is_sent_by_the_flush(
    seeded_quiet: None,
    require_postgres: None,
    queued_without_dispatch: None,
    tmp_path: Path,
) -> None:
    # The filesystem transport has no acknowledgements: a task taken by a worker that dies
    # is gone. The outbox row is not, and the periodic flush delivers it.
    researcher = User.objects.get(username="researcher2")
    notification = enqueue_ping(researcher, "fs:lost")
    var_dir = tmp_path / "var"
    broker_dir = var_dir / "celery-broker"
    for folder in ("out", "processed"):
        (broker_dir / folder).mkdir(parents=True)
    env = {**_worker_env("", tmp_path), "VAR_DIR": str(var_dir)}
    env.pop("DAC_TEST_VISIBILITY_TIMEOUT")
    (tmp_path / "markers" / "pause-in-send").touch()
    queue = unique_queue("fs-kill")
    with (
        celery_conf(
            task_always_eager=False,
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(broker_dir / "out"),
                "data_folder_out": str(broker_dir / "out"),
                "processed_folder": str(broker_dir / "processed"),
                "control_folder": str(broker_dir / "control"),
                "store_processed": False,
            },
        ),
        running_worker(queue=queue, env=env, log=tmp_path / "w.log") as worker,
    ):
        send_notification.apply_async(args=(notification.pk,), queue=queue)
        wait_for(
            (tmp_path / "markers" / "pause-in-send.reached").exists,
            timeout=30,
            what="the worker to be inside the send",
        )
        worker.kill()
    notification.refresh_from_db()
    assert notification.status == "pending"
    assert list((broker_dir / "out").iterdir()) == []  # the message went with the worker

    assert outbox_flush(timezone.now(), dry_run=False)["sent"] >= 1
    assert [m.subject for m in mail.outbox].count("Ping about tests") == 1
    assert sent_events("fs:lost").count() == 1


@pytest.mark.slow
def test_beat_s_generic_job_task_runs_a_registered_job_on_a_real_worker(
    seeded_quiet: None,
    require_postgres: None,
    require_redis: str,
    queued_without_dispatch: None,
    tmp_path: Path,
) -> None:
    researcher = User.objects.get(username="researcher1")
    notification = enqueue_ping(researcher, "job:flush")
    entry = jobs.beat_schedule()["job:notifications.flush_outbox"]
    queue = unique_queue("jobs")
    with (
        celery_conf(task_always_eager=False, broker_url=require_redis),
        running_worker(
            queue=queue, env=_worker_env(require_redis, tmp_path), log=tmp_path / "w.log"
        ) as worker,
    ):
        from dac_portal.celery import app

        app.send_task(entry["task"], args=entry["args"], queue=queue)
        wait_for(
            lambda: Notification.objects.get(pk=notification.pk).status == "sent",
            timeout=60,
            what=f"the flush job to run on the worker:\n{worker.output()}",
        )
    assert "Task jobs.run[" in worker.output()
    assert len(_mails(tmp_path)) == 1
