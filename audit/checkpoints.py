"""Signed checkpoints kept outside the database.

A checkpoint inside the chain cannot reveal a cut tail on its own: whoever removes the last
events removes the checkpoints among them too. So each checkpoint is also appended, once
its transaction commits, as one JSON line to settings.AUDIT_CHECKPOINT_FILE (default
VAR_DIR/audit/checkpoints.jsonl), which operations should place, or copy, where the
database's owner cannot rewrite it (docs/audit-log.md). The verifier reads the newest line
and requires the chain to still hold the checkpointed seq with the checkpointed hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings

TAIL_BYTES = 8192


def path() -> Path:
    configured = settings.AUDIT_CHECKPOINT_FILE
    return (
        Path(configured) if configured else Path(settings.VAR_DIR) / "audit" / "checkpoints.jsonl"
    )


def append(record: dict[str, Any]) -> None:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")
    # O_APPEND: concurrent writers never interleave within a line this short.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def latest() -> dict[str, Any] | None:
    """The last well-formed line of the file (reading only its tail), or None."""
    target = path()
    try:
        with target.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except FileNotFoundError:
        return None
    for raw in reversed(tail.splitlines()):
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict):
            return record
    return None
