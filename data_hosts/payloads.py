"""What each webhook says: `{"type", "timestamp", "data"}`, the shape the Standard Webhooks
specification recommends. Only references a host needs to act: no names, no e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agreements.models import GrantStatus as GS
from data_hosts.models import WebhookEvent

ENTITLED = {GS.ACTIVE.value}
# Grants whose people may hold the data: a collaborator leaving one is told to hosts.
HOLDING = {GS.ACTIVE.value, GS.SUSPENDED.value}


def grant_event_type(old: str, new: str) -> str | None:
    """The webhook event of a grant's move, or None for moves hosts need not hear of."""
    if new == GS.ACTIVE:
        return (
            WebhookEvent.GRANT_REINSTATED if old == GS.SUSPENDED else WebhookEvent.GRANT_ACTIVATED
        )
    return {
        GS.SUSPENDED: WebhookEvent.GRANT_SUSPENDED,
        GS.REVOKED: WebhookEvent.GRANT_REVOKED,
        GS.EXPIRED: WebhookEvent.GRANT_EXPIRED,
        GS.CLOSED: WebhookEvent.GRANT_CLOSED,
    }.get(GS(new))


def envelope(event_type: str, now: datetime, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": event_type, "timestamp": now.isoformat(), "data": data}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def grant_data(
    grant: Any, old: str, new: str, change_id: int, *, user: Any = None, role: str = "holder"
) -> dict[str, Any]:
    """One person's side of a grant's move: the holder's, or a collaborator's (`user`),
    whose own coverage may also begin or end while the grant stays as it is."""
    return {
        "grant": grant.reference,
        "request": grant.access_request.reference,
        "user": str((user or grant.holder).public_id),
        "role": role,
        "dataset": grant.dataset.accession,
        "committee": grant.committee.slug,
        "status": new,
        "previous_status": old,
        "entitled": new in ENTITLED,
        "ends_at": _iso(grant.ends_at),
        "change": change_id,
    }


def collaborator_data(access: Any, old: str, new: str) -> dict[str, Any]:
    return {
        "collaborator": str(access.public_id),
        "request": access.access_request.reference,
        "user": str(access.user.public_id) if access.user_id else None,
        "status": new,
        "previous_status": old or None,
    }
