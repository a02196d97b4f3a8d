"""An app changes its own rows only; it asks the owner's service, or announces an event,
for anything else (docs/architecture.md, "Layers" and "Events between apps").

This reads the code: a `Model.objects.create/update/delete/…` whose model was imported
from another app's `models` fails here with its place. (Saving an instance of another
app's model is not traced; reviews catch those.) Demo seeders are left out: they stage
data across apps for the demo, through services where one exists."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "audit",
    "consent",
    "access_requests",
    "agreements",
    "transparency",
    "notifications",
)
WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "bulk_update",
    "delete",
}


def foreign_models(tree: ast.Module, app: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith(".models"):
            owner = node.module.split(".")[0]
            if owner in APPS and owner != app:
                names.update(alias.asname or alias.name for alias in node.names)
    return names


def chain_root(node: ast.AST) -> str | None:
    """`Model` for `Model.objects.filter(...).update(...)` and the like."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if (
                node.attr == "objects"
                and isinstance(node.value, ast.Name)
                and node.value.id[:1].isupper()
            ):
                return node.value.id
            node = node.value
        else:
            return None


def test_no_app_writes_the_rows_of_another_app() -> None:
    offences = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.name == "demo.py":
                continue
            tree = ast.parse(path.read_text(), str(path))
            foreign = foreign_models(tree, app)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in WRITES
                    and chain_root(node.func.value) in foreign
                ):
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offences
