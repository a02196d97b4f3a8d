"""How many people hold a grant on a dataset: a question the consent pages ask (a steward
recording a withdrawal is told how many holders will hear of it at once) and agreements,
the app above that keeps the grants, answers — registered from its `subscribers.py`, so
the import still points down (docs/architecture.md, "Layers")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dac_portal import events

HolderCount = Callable[[Any], int]
_counters: list[HolderCount] = []


def register(counter: HolderCount) -> HolderCount:
    if counter not in _counters:
        _counters.append(counter)
    return counter


def holders_of(dataset: Any) -> int:
    """People holding a live copy of the dataset (active or suspended grants)."""
    events.discover()
    return sum(counter(dataset) for counter in _counters)
