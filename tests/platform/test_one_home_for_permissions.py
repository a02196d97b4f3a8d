"""Every "may X do Y to Z" is a named rule of accounts.permissions: the workflow tables,
the DRF permission classes and the services ask the rules, and guardian is only the store
the rules read. These tests read the code, so a new shortcut fails here by name."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from accounts.permissions import registered_rules

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "audit",
    "consent",
    "access_requests",
    "agreements",
    "transparency",
    "notifications",
    "dac_portal",
)
GUARDIAN_READS = {"has_perm", "has_perms", "get_perms", "get_objects_for_user"}


def app_modules() -> Iterator[tuple[str, ast.Module]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def called_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def test_only_the_rules_read_guardian() -> None:
    readers = {
        f"{path}:{node.lineno}"
        for path, tree in app_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called_name(node) in GUARDIAN_READS
    }
    assert {r.split(":")[0] for r in readers} <= {"accounts/permissions.py"}, readers


def test_api_views_state_their_permissions_through_the_shared_classes() -> None:
    """A DRF permission class is declared in accounts/api_permissions.py alone (a view
    that needs a rule uses `rule_allows`)."""
    declared = {
        f"{path}:{node.name}"
        for path, tree in app_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(
            (isinstance(base, ast.Name) and base.id == "BasePermission")
            or (isinstance(base, ast.Attribute) and base.attr == "BasePermission")
            for base in node.bases
        )
    }
    assert {d.split(":")[0] for d in declared} <= {"accounts/api_permissions.py"}, declared


def test_every_rule_the_code_asks_about_is_registered() -> None:
    """`can(user, "name", …)`, `require(user, "name", …)` and `rule_allows("name", …)` with
    a name no app registered would answer no for ever: a typo must fail here instead."""
    asked: dict[str, str] = {}
    for path, tree in app_modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = called_name(node)
            position = {"can": 1, "require": 1, "rule_allows": 0}.get(name)
            if position is None or len(node.args) <= position:
                continue
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                asked.setdefault(argument.value, f"{path}:{node.lineno}")
    assert asked, "the scan found no rule at all: it is broken"
    unknown = {name: where for name, where in asked.items() if name not in registered_rules()}
    assert not unknown
