"""The facts agreements announces to the apps above it (dac_portal/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from dac_portal.events import DomainEvent


@dataclass(frozen=True)
class GrantStatusesChanged(DomainEvent):
    """Grants moved from one status to another: one grant through its aggregate's `fire`,
    or many at once in the expiry sweep. Published in the changing transaction, after the
    audit events; data hosts are told from it (data_hosts: the changes feed and the webhook
    outbox, written in the same transaction). One event for a whole sweep keeps the
    sweep's query count independent of the number of grants."""

    # (grant id, old status, new status), in the order they changed.
    changes: tuple[tuple[int, str, str], ...]
