"""The home page's "what needs me" panels, as a registry (issue 14). Each app declares the
work it knows about in a `dashboard.py` module — a panel per role it serves, each a few
counted, linked items — and this module finds those modules the way the menu finds
`menu.py` (dac_portal/navigation.py), so the lowest layer imports no app.

A panel's `items` runs a fixed number of aggregate queries whatever the size of the data
(`make bench` measures the home page at a million requests): counts and a first due
date, never rows in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

from dac_portal.discovery import discover_once

# Counts stop here: "1000+" says as much to a person as the exact number, and a capped
# count reads at most this many index entries, whatever the size of the queue.
CAP = 1000


def capped_count(queryset: Any) -> int:
    """COUNT(*) over at most CAP + 1 rows (the page shows "1000+" above CAP)."""
    return int(queryset.order_by()[: CAP + 1].count())


@dataclass(frozen=True)
class WorkItem:
    """One line of a panel: "3 drafts", linked to where the work is done."""

    label: str | Promise
    # None for a fact that is not a count (when the log was last verified).
    count: int | None
    url: str
    # The nearest date that matters (a decision due, a report due), shown beside the count.
    due: date | datetime | None = None
    # Shown even at zero ("0 votes due" reassures a member); most items hide at zero.
    always: bool = False
    key: str = ""
    # A word or two beside the date ("verified", "failed").
    detail: str | Promise = ""

    @property
    def shown(self) -> str:
        """The count as the page shows it ("1000+" past CAP)."""
        if self.count is None:
            return ""
        return f"{CAP}+" if self.count > CAP else str(self.count)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    applies: Callable[[Any], bool]
    items: Callable[[Any, datetime], list[WorkItem]]
    # Lower comes first; apps leave gaps.
    position: int = 100


_panels: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    if panel.key in _panels:
        raise ValueError(f"The home page already has a panel {panel.key!r}.")
    _panels[panel.key] = panel
    return panel


def registered_panels() -> list[Panel]:
    discover_once("dashboard")
    return sorted(_panels.values(), key=lambda panel: (panel.position, panel.key))


def panels_for(user: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """The panels of every role `user` holds, each with the items worth showing."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    now = now or timezone.now()
    shown = []
    for panel in registered_panels():
        if not panel.applies(user):
            continue
        items = [item for item in panel.items(user, now) if item.count or item.always]
        shown.append({"key": panel.key, "title": panel.title, "items": items})
    return shown
