"""The main menu, as a registry. Each app declares its own entries in a `menu.py` module
(URL name, label, who sees it, position); this module finds those modules the first time
the menu is drawn, the way Django's admin finds `admin.py`, so the lowest layer of the
portal imports no app (docs/architecture.md, "Layers"). The header renders only the
entries whose route exists and whose predicate holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from dac_portal.discovery import discover_once


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    visible: Callable[[Any], bool]
    # Lower comes first; apps leave gaps so that a new entry can go between two others.
    position: int = 100


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    """Add a menu entry (from an app's menu.py). A URL name appears once in the menu."""
    if item.url_name in _items:
        raise ValueError(f"The menu already has an entry for {item.url_name!r}.")
    _items[item.url_name] = item
    return item


def everyone(user: Any) -> bool:
    return True


def signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def registered_items() -> list[NavItem]:
    """Every entry in menu order, after importing each installed app's menu.py once."""
    discover_once("menu")
    return sorted(_items.values(), key=lambda item: (item.position, item.url_name))


def nav_items(request: Any) -> dict[str, Any]:
    user = request.user
    items = []
    for item in registered_items():
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        if item.visible(user):
            items.append({"url": url, "label": item.label})
    return {"nav_items": items}
