"""The authorization matrix: for every route, what each demo role (and an anonymous
visitor) gets. Rows live in matrix_rows/<app>.py as `ROWS = [Row(...), ...]`; the test in
test_authorization_matrix.py fails when a route in the URL configuration has no row.

A row names the route, the method, the path (a string, or a function of the demo data for
paths with references in them), an optional JSON or form body, and the expected status per
role. `"*"` is the status for every demo role not named; `"anonymous"` for a visitor who is
not signed in. API paths (/api/…) are called with a real Bearer token of the role; pages
with the role's browser session.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

ROLES = [
    "anonymous",
    "researcher1",
    "researcher2",
    "official1",
    "chair1",
    "member1",
    "member2",
    "member3",
    "steward1",
    "admin",
    "auditor1",
    # The second committee's chair and member: people of *a* committee, not of the one
    # that owns most demo objects, so every committee-scoped row is checked against them.
    "chair2",
    "member4",
    # An outside reviewer (access_requests/review/outside.py): sees one request under
    # review on their own page, and nothing else, every other row checks.
    "adviser1",
]

# Whole namespaces covered by one row of their own (the Django admin guards itself).
EXEMPT_NAMESPACES = {"admin"}


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    path: str | Callable[[Any], str]
    expect: dict[str, int]
    body: Any = None
    form: bool = False  # send `body` form-encoded (pages) instead of JSON (API)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def expected_for(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if role == "anonymous":
            raise KeyError(f"Row {self.route} {self.method} has no 'anonymous' expectation.")
        return self.expect["*"]

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.note}]" if self.note else "")


def all_rows() -> list[Row]:
    from tests.security import matrix_rows

    rows: list[Row] = []
    for module_info in pkgutil.iter_modules(matrix_rows.__path__):
        module = importlib.import_module(f"{matrix_rows.__name__}.{module_info.name}")
        rows.extend(getattr(module, "ROWS", []))
    return rows


def all_route_names() -> set[str]:
    """Every named route in the URL configuration, namespaced, except exempt namespaces."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                if ns in EXEMPT_NAMESPACES:
                    continue
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry.url_patterns, full)
            elif isinstance(entry, URLPattern):
                if entry.name is None:
                    raise AssertionError(
                        f"Route {entry.pattern} has no name: every route needs one."
                    )
                names.add(f"{namespace}:{entry.name}" if namespace else entry.name)

    walk(get_resolver().url_patterns, None)
    return names
