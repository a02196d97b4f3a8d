"""Import one named module of every installed app, once per process — the way Django's
admin finds `admin.py`. The registries of the lowest layer (menu.py, dashboard.py,
subscribers.py, jobs.py) are filled by the apps above it this way, so dac_portal imports
no app (docs/architecture.md, "Layers")."""

from __future__ import annotations

import threading

from django.utils.module_loading import autodiscover_modules

_done: set[str] = set()
_lock = threading.Lock()


def discover_once(module: str) -> None:
    """Import each installed app's `module` the first time it is asked for (idempotent,
    thread-safe; later calls cost a set lookup)."""
    if module in _done:
        return
    with _lock:
        if module not in _done:
            autodiscover_modules(module)
            _done.add(module)
