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


def test_a_static_beat_entry_in_settings_is_kept_beside_the_registered_jobs(
    tmp_path: Path, clean_beat_schedule: None
) -> None:
    app.conf.beat_schedule = {
        "static-ping": {"task": "dac_portal.ping", "schedule": timedelta(hours=1)}
    }
    scheduler = jobs.RegistryScheduler(
        app=app, schedule_filename=str(tmp_path / "beat-schedule"), lazy=False
    )
    try:
        assert "static-ping" in scheduler.schedule
        assert "job:notifications.flush_outbox" in scheduler.schedule
    finally:
        scheduler.close()
