"""Periodic job of the public statistics: count yesterday (and every day before it again)
into the rollup, once per UTC day (docs/adr/0015-statistics-rollup.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dac_portal import jobs
from transparency.rollup import horizon, rollup_refresh

JOB = "transparency.refresh_statistics"


def refresh_statistics(now: dt.datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """Rebuild the rollup when it does not reach today yet. Runs hourly so that a worker
    that was down catches up within the hour; after the day's rebuild the other runs
    find nothing to do."""
    if dry_run:
        edge = horizon()
        today = now.astimezone(dt.UTC).date()
        return {"job": JOB, "due": edge is None or edge.date() < today}
    return {"job": JOB, **rollup_refresh(now)}


jobs.register(JOB, refresh_statistics, schedule=dt.timedelta(hours=1))
