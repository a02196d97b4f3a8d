"""No function of the apps runs past 60 lines (its docstring aside) unless a `# long:`
comment above it says why: a long function is split, or explained."""

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
    "dac_portal",
)
LIMIT = 60


def body_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = function.body
    first = body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and len(body) > 1
    ):
        first = body[1]
    return (function.end_lineno or function.lineno) - first.lineno + 1


def has_a_reason(lines: list[str], function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    top = min([function.lineno, *(d.lineno for d in function.decorator_list)])
    above = top - 2  # the line before the def or its first decorator (0-based)
    while above >= 0 and lines[above].strip().startswith("#"):
        if lines[above].strip().startswith("# long:"):
            return True
        above -= 1
    return False


def test_long_functions_are_split_or_say_why() -> None:
    unexplained = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            lines = source.split("\n")
            for node in ast.walk(ast.parse(source, str(path))):
                if (
                    isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                    and body_lines(node) > LIMIT
                    and not has_a_reason(lines, node)
                ):
                    unexplained.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                        f"({body_lines(node)} lines)"
                    )
    assert not unexplained
