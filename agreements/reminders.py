"""When a reminder is due, shared by the jobs that send them."""

from __future__ import annotations

from datetime import timedelta


def reminder_threshold(days_left: timedelta, thresholds: tuple[int, ...]) -> int | None:
    """The most pressing reminder that is due: a run after days of downtime sends the one
    that fits now (7 days left → the 7-day reminder), not every one it missed."""
    fitting = [d for d in thresholds if days_left <= timedelta(days=d)]
    return min(fitting) if fitting else None
