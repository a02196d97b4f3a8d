"""The periodic jobs of the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notifications.services import outbox_flush


def flush_outbox(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Send every pending notification that is due (catch-up after lost tasks or failures)."""
    return outbox_flush(now, dry_run=dry_run)
