"""Celery beat gets one entry per registered job from the registry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.schedules import crontab

from dac_portal import jobs
from dac_portal.celery import app


def _noop(now: Any, *, dry_run: bool) -> dict[str, Any]:
    return {}


@pytest.fixture
def clean_beat_schedule() -> Iterator[None]:
    saved = dict(app.conf.beat_schedule or {})
    yield
    app.conf.beat_schedule = saved


def test_beat_uses_the_registry_scheduler_and_the_worker_imports_the_job_task() -> None:
    assert app.conf.beat_scheduler == "dac_portal.jobs:RegistryScheduler"
    assert "dac_portal.jobs" in app.conf.imports
    assert "jobs.run" in app.tasks
    assert app.tasks["jobs.run"].acks_late is True


def test_the_beat_scheduler_adds_an_entry_per_registered_job(
    tmp_path: Path, clean_beat_schedule: None
) -> None:
    jobs.register("tests.nightly", _noop, schedule=crontab(hour=2, minute=30))
    try:
        scheduler = jobs.RegistryScheduler(
            app=app, schedule_filename=str(tmp_path / "beat-schedule"), lazy=False
        )
        try:
            entries = scheduler.schedule
            flush = entries["job:notifications.flush_outbox"]
            assert flush.task == "jobs.run"
            assert tuple(flush.args) == ("notifications.flush_outbox",)
            assert flush.schedule.run_every == timedelta(minutes=1)
            nightly = entries["job:tests.nightly"]
            assert nightly.args == ("tests.nightly",)
            assert nightly.schedule == crontab(hour=2, minute=30)
        finally:
            scheduler.close()
    finally:
        jobs.unregister("tests.nightly")


def test_beat_runs_the_registered_jobs_and_nothing_else(
    tmp_path: Path, clean_beat_schedule: None, settings: Any
) -> None:
    """A job scheduled both in settings and in the registry would run twice (the audit
    checkpoint once was): the registry is the only schedule."""
    assert not getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    app.conf.beat_schedule = {
        "static-ping": {"task": "dac_portal.ping", "schedule": timedelta(hours=1)}
    }
    scheduler = jobs.RegistryScheduler(
        app=app, schedule_filename=str(tmp_path / "beat-schedule"), lazy=False
    )
    try:
        expected = {f"job:{job.name}" for job in jobs.registered()}
        assert set(scheduler.schedule) - {"celery.backend_cleanup"} == expected
        assert {entry.task for entry in scheduler.schedule.values()} <= {
            "jobs.run",
            "celery.backend_cleanup",
        }
    finally:
        scheduler.close()


def test_every_app_registers_its_jobs_once_under_one_naming_scheme() -> None:
    names = [job.name for job in jobs.registered()]
    assert len(names) == len(set(names))
    assert all(jobs.JOB_NAME.match(name) for name in names)
    assert {name.split(".")[0] for name in names} == {
        "accounts",
        "access_requests",
        "agreements",
        "audit",
        "notifications",
        "transparency",
        "data_hosts",
    }
    assert "audit.checkpoint" in names


def test_a_job_name_outside_the_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="snake_case"):
        jobs.register("audit_checkpoint", _noop)
