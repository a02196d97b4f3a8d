"""Fixtures of the audit tests: lifting the append-only guard (as the tables' owner or a
superuser may) and always putting it back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from audit import guards, seal
from tests.support.roles import as_owner


@pytest.fixture(autouse=True)
def checkpoint_file(settings: Any, tmp_path: Any) -> Any:
    """Each test keeps its own out-of-database checkpoint file: a checkpoint from another
    test's database would (rightly) read as a cut tail."""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    return tmp_path / "checkpoints.jsonl"


@pytest.fixture
def guard_lifted(db: Any) -> Iterator[None]:
    """The test runs as the tables' owner with the guard off: the portal's role, which the
    suite may be acting as, can neither switch it off nor change events (as deployed)."""
    with as_owner(connection):
        guards.lift(connection)
        try:
            yield
        finally:
            guards.flush_deferred_checks(connection)
            guards.restore(connection)


@pytest.fixture
def seal_broken(guard_lifted: None) -> None:
    """As a tamperer who owns the tables may: on PostgreSQL the seal is dropped as well, so
    that a changed column no longer has to match the event's stored preimage (the verifier
    then rebuilds every event from its columns). The test's rolled-back transaction puts
    it back."""
    guards.flush_deferred_checks(connection)
    seal.remove(connection)


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """Run a management command; (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def command() -> Callable[..., tuple[int, str, str]]:
    return run_command
