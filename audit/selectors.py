"""Reads of the audit log. Every selector checks `audit.read` first: the log is reserved
to auditors and administrators (a whole collection, so a refusal is 403, not 404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import require
from audit.forms import DEFAULT_LIMIT, EventFilter
from audit.models import AuditEvent, ChainHead, VerificationRun

SYSTEM_PREFIX = "system:"


@dataclass(frozen=True)
class EventPage:
    """One keyset page, newest or oldest first as asked; `has_more` says whether more
    events lie beyond the last one in the page's direction. No count: on a log of millions
    of events a count(*) would cost more than the page itself."""

    events: list[AuditEvent]
    descending: bool
    has_more: bool

    @property
    def min_seq(self) -> int | None:
        return min((e.seq for e in self.events), default=None)

    @property
    def max_seq(self) -> int | None:
        return max((e.seq for e in self.events), default=None)


def _filtered(event_filter: EventFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if event_filter.action:
        events = events.filter(action=event_filter.action)
    if event_filter.object_type:
        events = events.filter(
            object_type=event_filter.object_type, object_id=event_filter.object_id
        )
    if event_filter.actor:
        if event_filter.actor.startswith(SYSTEM_PREFIX):
            events = events.filter(actor__isnull=True, actor_label=event_filter.actor)
        else:
            # Resolved to an id first so the (actor, seq) index serves the list.
            actor_id = (
                User.objects.filter(username=event_filter.actor)
                .values_list("pk", flat=True)
                .first()
            )
            events = events.filter(actor_id=actor_id) if actor_id else events.none()
    if event_filter.occurred_from:
        events = events.filter(occurred_at__gte=event_filter.occurred_from)
    if event_filter.occurred_to:
        events = events.filter(occurred_at__lt=event_filter.occurred_to)
    return events


def audit_event_page(
    *,
    user: Any,
    event_filter: EventFilter,
    after_seq: int | None = None,
    before_seq: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> EventPage:
    """Keyset pagination on seq: `after_seq` reads forward (oldest first), `before_seq`
    backward (newest first); with neither, the start (or the end when newest_first)."""
    require(user, "audit.read", message="Only auditors and administrators read the audit log.")
    limit = limit or DEFAULT_LIMIT
    events = _filtered(event_filter)
    if after_seq is not None:
        descending = False
        events = events.filter(seq__gt=after_seq)
    elif before_seq is not None:
        descending = True
        events = events.filter(seq__lt=before_seq)
    else:
        descending = newest_first
    # The actor's account for their name on the page (one join, not a query per row).
    events = events.select_related("actor").order_by("-seq" if descending else "seq")
    rows = list(events[: limit + 1])
    return EventPage(events=rows[:limit], descending=descending, has_more=len(rows) > limit)


def audit_head(*, user: Any) -> ChainHead:
    require(user, "audit.read", message="Only auditors and administrators read the audit log.")
    return ChainHead.objects.get(pk=1)


def verification_run_latest(*, user: Any) -> VerificationRun | None:
    require(user, "audit.read", message="Only auditors and administrators read the audit log.")
    return VerificationRun.objects.order_by("-finished_at", "-pk").first()


def audit_require_read(*, user: Any) -> None:
    require(user, "audit.read", message="Only auditors and administrators read the audit log.")
