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


@dataclass(frozen=True)
class CollaboratorAccessChanged(DomainEvent):
    """One collaborator's access moved (invited, joined, signed, removed, left), in the
    changing transaction. Data hosts are told of the move, and of each of the request's
    grants whose coverage of that person it began or ended."""

    access_id: int
    old_status: str  # "" when the access was just created (invited)
    new_status: str
    # The audit action's name (collaborator.invited, .joined, .signed, ...).
    happened: str
