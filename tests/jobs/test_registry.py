"""The periodic jobs registry, its beat schedule and `manage.py run_jobs`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction

from dac_portal import jobs
from notifications.models import Notification
from notifications.services import notification_enqueue
from tests.notifications.support import enqueue_ping, sent_events, use_test_templates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _templates(settings: Any) -> None:
    use_test_templates(settings)


def _remind_everyone(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """A job like the reminder jobs: computes what is due from state and queues one
    notification per (recipient, day) through the outbox."""
    from accounts.models import User

    due = list(User.objects.filter(username__in=["researcher1", "researcher2"]))
    if dry_run:
        return {"due": [u.username for u in due]}
    queued = 0
    with transaction.atomic():
        for user in due:
            key = f"test.ping:{user.public_id}:{now.date().isoformat()}"
            if notification_enqueue(
                kind="test.ping", recipient=user, dedupe_key=key, context={"topic": "reminders"}
            ):
                queued += 1
    return {"due": len(due), "queued": queued}


@pytest.fixture
def reminder_job() -> Iterator[str]:
    jobs.register("tests.remind_everyone", _remind_everyone, schedule=timedelta(hours=6))
    yield "tests.remind_everyone"
    jobs.unregister("tests.remind_everyone")


def _pings() -> list[Any]:
    """The test messages sent; other apps' registered jobs may send their own."""
    return [m for m in mail.outbox if m.subject.startswith("Ping about")]


def _run(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("run_jobs", *args, stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_the_outbox_flush_is_registered_and_scheduled_through_the_generic_task() -> None:
    names = [job.name for job in jobs.registered()]
    assert "notifications.flush_outbox" in names
    assert names[-1] == "notifications.flush_outbox"  # runs after the jobs that queue mail
    entry = jobs.beat_schedule()["job:notifications.flush_outbox"]
    assert entry["task"] == "jobs.run"
    assert entry["args"] == ("notifications.flush_outbox",)
    assert entry["schedule"] == timedelta(minutes=1)  # the retry of unpublished sends


def test_registering_the_same_job_twice_is_harmless_but_a_clash_is_refused(
    reminder_job: str,
) -> None:
    jobs.register(reminder_job, _remind_everyone)
    with pytest.raises(ValueError):
        jobs.register(reminder_job, lambda now, *, dry_run: {})


def test_register_works_as_a_decorator() -> None:
    @jobs.register("tests.decorated", schedule=timedelta(minutes=1))
    def decorated(now: datetime, *, dry_run: bool) -> dict[str, Any]:
        """Say hello."""
        return {"now": now.isoformat(), "dry_run": dry_run}

    try:
        job = jobs.get("tests.decorated")
        assert job.description == "Say hello."
        at = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
        assert jobs.run("tests.decorated", now=at) == {"now": at.isoformat(), "dry_run": False}
    finally:
        jobs.unregister("tests.decorated")


def test_an_unknown_job_name_is_a_clear_error() -> None:
    with pytest.raises(KeyError):
        jobs.run("no.such.job")
    with pytest.raises(CommandError):
        _run("--job", "no.such.job")


def test_a_naive_time_is_refused_by_run() -> None:
    with pytest.raises(ValueError):
        jobs.run("notifications.flush_outbox", now=datetime(2030, 1, 1))


def test_run_jobs_runs_every_job_and_delivers_without_a_worker(reminder_job: str) -> None:
    lines = _run("--at", "2030-01-15T09:00:00Z")
    by_job = {line.get("job"): line for line in lines}
    assert by_job[reminder_job]["result"] == {"due": 2, "queued": 2}
    assert "notifications.flush_outbox" in by_job
    assert lines[-1]["at"] == "2030-01-15T09:00:00+00:00"
    assert reminder_job not in lines[-1]["failed"]
    assert len(_pings()) == 2
    assert Notification.objects.filter(kind="test.ping", status="sent").count() == 2
    assert sent_events().filter(data__kind="test.ping").count() == 2


def test_running_a_job_twice_sends_nothing_twice(reminder_job: str) -> None:
    _run("--at", "2030-01-15T09:00:00Z")
    second = _run("--at", "2030-01-15T18:00:00Z")
    assert {line.get("job"): line for line in second}[reminder_job]["result"]["queued"] == 0
    assert len(_pings()) == 2
    # The next day is a new due date: new messages, once each.
    _run("--at", "2030-01-16T09:00:00Z")
    assert len(_pings()) == 4


def test_run_jobs_dry_run_lists_what_falls_due_and_changes_nothing(
    reminder_job: str, researcher1: Any
) -> None:
    from audit.models import AuditEvent

    pending = enqueue_ping(researcher1, "ping:waiting")
    before = Notification.objects.count()
    events_before = AuditEvent.objects.count()
    lines = _run("--at", "2030-01-15", "--dry-run")
    by_job = {line.get("job"): line for line in lines}
    assert by_job[reminder_job]["result"] == {"due": ["researcher1", "researcher2"]}
    assert pending.pk in by_job["notifications.flush_outbox"]["result"]["ids"]
    assert by_job[reminder_job]["dry_run"] is True
    assert lines[-1]["dry_run"] is True
    assert Notification.objects.count() == before
    assert AuditEvent.objects.count() == events_before  # every registered job, not only ours
    assert mail.outbox == []
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_dry_run_is_rolled_back_even_if_a_job_writes(researcher1: Any) -> None:
    def careless(now: datetime, *, dry_run: bool) -> dict[str, Any]:
        with transaction.atomic():
            notification_enqueue(
                kind="test.ping", recipient=researcher1, dedupe_key="careless", context={}
            )
        return {}

    jobs.register("tests.careless", careless)
    try:
        _run("--dry-run", "--job", "tests.careless")
    finally:
        jobs.unregister("tests.careless")
    assert not Notification.objects.filter(dedupe_key="careless").exists()
    assert mail.outbox == []


def test_a_failing_job_does_not_stop_the_others_and_the_command_fails(
    reminder_job: str,
) -> None:
    def broken(now: datetime, *, dry_run: bool) -> dict[str, Any]:
        raise RuntimeError("boom")

    jobs.register("tests.broken", broken, order=0)
    try:
        with pytest.raises(CommandError, match=r"tests\.broken"):
            _run("--at", "2030-01-15T09:00:00")
    finally:
        jobs.unregister("tests.broken")
    assert len(_pings()) == 2  # the reminder job still ran and its mail was delivered


@pytest.mark.parametrize("bad", ["yesterday", "2030-13-01", "", "12:00"])
def test_run_jobs_refuses_a_malformed_time(bad: str) -> None:
    with pytest.raises(CommandError):
        _run("--at", bad)


def test_run_jobs_lists_the_registered_jobs() -> None:
    out = StringIO()
    call_command("run_jobs", "--list", stdout=out)
    assert "notifications.flush_outbox" in out.getvalue()


def test_run_jobs_without_at_runs_as_of_the_current_time(reminder_job: str) -> None:
    import time_machine

    with time_machine.travel(datetime(2031, 5, 1, 10, 0, tzinfo=UTC), tick=False):
        lines = _run("--job", reminder_job)
    assert lines[-1]["at"] == "2031-05-01T10:00:00+00:00"
    assert Notification.objects.filter(dedupe_key__endswith=":2031-05-01").count() == 2


def test_a_job_that_did_not_run_for_days_catches_up_on_its_next_run(
    researcher1: Any, settings: Any
) -> None:
    # Three days of mail server outage (or of no worker): every pending row is still due.
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingBackend"
    keys = [f"catch-up:{n}" for n in range(3)]
    for key in keys:
        enqueue_ping(researcher1, key)
    _run("--at", "2030-01-01T00:00:00Z")
    assert Notification.objects.filter(dedupe_key__in=keys, status="pending").count() == 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _run("--at", "2030-01-04T00:00:00Z")
    assert Notification.objects.filter(dedupe_key__in=keys, status="sent").count() == 3
    assert len(_pings()) == 3
