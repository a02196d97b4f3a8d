"""The registry of periodic jobs.

A job is a plain function `func(now: datetime, *, dry_run: bool) -> dict` that computes
what is due *from the state of the database* as of `now`, acts on it, and returns a small
JSON-able summary (counts, references). Because it works from state and never from "what
happened since the last run", a worker that was down for days catches up on its next run,
and running it twice does nothing twice (notifications go through the outbox, whose
dedupe keys make re-sends impossible). With `dry_run=True` it reports what falls due and
changes nothing.

Each app registers its jobs at the top level of its own `jobs.py`, and nowhere else:

    from dac_portal import jobs
    jobs.register("agreements.expire_grants", expire_grants, schedule=timedelta(hours=1))

The registry imports every installed app's `jobs.py` before it answers (the way Django's
admin finds `admin.py`), so no AppConfig has to remember to. A job's name is
`<app>.<what_it_does>`: the app that owns it, a dot, and snake_case words.

Three things drive the registered jobs, all through `run()`:
- Celery beat: `RegistryScheduler` (CELERY_BEAT_SCHEDULER) adds one beat entry per job,
  each sending the generic task `jobs.run(name)` to a worker;
- `manage.py run_jobs [--at ISO-DATETIME] [--dry-run]`: every job once, in process, so that
  cron alone can drive a small deployment (and tests need no broker);
- tests, which call `run(name, now=...)` directly.

This module imports no models at import time: settings and the Celery app import it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeAlias

from celery import shared_task
from celery.beat import PersistentScheduler
from celery.schedules import crontab

from dac_portal.discovery import discover_once

logger = logging.getLogger(__name__)


class JobFunction(Protocol):
    def __call__(self, now: datetime, *, dry_run: bool) -> dict[str, Any]: ...


# A fixed interval, or a celery.schedules.crontab for jobs that must run at a time of day.
Schedule: TypeAlias = timedelta | crontab

DEFAULT_SCHEDULE = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunction
    schedule: Schedule = DEFAULT_SCHEDULE
    description: str = ""
    # Jobs run in registration order within one `run_jobs`; lower `order` runs first
    # (the outbox flush runs last so that it delivers what the other jobs queued).
    order: int = field(default=100)


_REGISTRY: dict[str, Job] = {}
JOB_NAME = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z0-9_]*$")


def discover() -> None:
    """Import each installed app's jobs.py once, which registers its jobs."""
    discover_once("jobs")


def register(
    name: str,
    func: JobFunction | None = None,
    *,
    schedule: Schedule = DEFAULT_SCHEDULE,
    description: str = "",
    order: int = 100,
) -> Any:
    """Register a periodic job; usable as a call or as a decorator.

    Registering the same name again with the same function is a no-op (AppConfig.ready may
    run twice in some test set-ups); with another function it is a programming error.
    """

    if not JOB_NAME.match(name):
        raise ValueError(f"Job names read <app>.<what_it_does> in snake_case, not {name!r}.")

    def decorate(f: JobFunction) -> JobFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and _same_function(existing.func, f):
            return f
        if existing is not None:
            raise ValueError(f"A periodic job named {name!r} is already registered.")
        _REGISTRY[name] = Job(
            name=name,
            func=f,
            schedule=schedule,
            description=description or (f.__doc__ or "").strip().split("\n")[0],
            order=order,
        )
        return f

    if func is None:
        return decorate
    return decorate(func)


def _same_function(a: Callable[..., Any], b: Callable[..., Any]) -> bool:
    return getattr(a, "__module__", None) == getattr(b, "__module__", None) and getattr(
        a, "__qualname__", None
    ) == getattr(b, "__qualname__", None)


def unregister(name: str) -> None:
    """For tests that register a throw-away job."""
    _REGISTRY.pop(name, None)


def registered() -> list[Job]:
    """Every registered job, in the order `run_jobs` runs them."""
    discover()
    jobs = list(_REGISTRY.values())
    return sorted(jobs, key=lambda job: job.order)  # stable: registration order within one order


def get(name: str) -> Job:
    discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No periodic job named {name!r}; known: {sorted(_REGISTRY)}") from None


def run(name: str, *, now: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Run one job as of `now` (default: the current time) and return its summary."""
    from django.utils import timezone

    job = get(name)
    when = now or timezone.now()
    if timezone.is_naive(when):
        raise ValueError("Jobs run as of an aware datetime.")
    started = time.monotonic()
    result = job.func(when, dry_run=dry_run) or {}
    logger.info(
        "job %s ran as of %s%s in %.3fs: %s",
        name,
        when.isoformat(),
        " (dry run)" if dry_run else "",
        time.monotonic() - started,
        result,
    )
    return result


def beat_schedule() -> dict[str, dict[str, Any]]:
    """One Celery beat entry per registered job, each sending `jobs.run(name)`."""
    return {
        f"job:{job.name}": {
            "task": "jobs.run",
            "schedule": job.schedule,
            "args": (job.name,),
            # A job that missed its slot is not worth queueing twice: the next run catches up.
            "options": {"expires": _expiry_seconds(job.schedule)},
        }
        for job in registered()
    }


def _expiry_seconds(schedule: Schedule) -> float:
    if isinstance(schedule, timedelta):
        return max(schedule.total_seconds(), 60.0)
    return 3600.0


class RegistryScheduler(PersistentScheduler):
    """Celery beat's persistent scheduler, fed by the registry alone (CELERY_BEAT_SCHEDULE
    stays empty: a job scheduled there too would run twice). The registry imports the apps'
    jobs.py, so it can only be read once Django is set up."""

    def setup_schedule(self) -> None:
        import django
        from django.apps import apps

        if not apps.ready:
            django.setup()
        self.app.conf.beat_schedule = beat_schedule()
        super().setup_schedule()


@shared_task(name="jobs.run", acks_late=True, ignore_result=True)
def run_job(name: str) -> dict[str, Any]:
    """The Celery side of a periodic job: run it as of now. Jobs are idempotent and work
    from state, so a redelivered or duplicated message does no harm."""
    return run(name)
