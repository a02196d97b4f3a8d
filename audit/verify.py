"""Verify the chain stored in the database, streaming, in constant memory.

Reads the chain head once, then walks events from `from_seq` up to the head's seq with a
server-side cursor (PostgreSQL) in seq order, recomputing each hash and link. Afterwards it
checks that the chain still reaches the head, and that the latest signed checkpoint is
genuine and still matches the event it names (so cutting off the tail is noticed too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from audit import checkpoints, keys
from audit.actions import AuditAction
from audit.chain import (
    BAD_CHECKPOINT,
    STORED_COLUMNS,
    TAIL_CUT,
    ChainProblem,
    ChainVerifier,
    checkpoint_message,
    format_time,
)
from audit.models import GENESIS_HASH, AuditEvent, ChainHead

CHUNK_SIZE = 2000
COLUMNS = STORED_COLUMNS


@dataclass(frozen=True)
class VerifyResult:
    from_seq: int
    events_verified: int
    last_seq: int | None
    head_seq: int
    problem: ChainProblem | None
    checkpoint_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_log(
    *,
    from_seq: int = 1,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    from_seq = max(1, from_seq)
    head = ChainHead.objects.get(pk=1)
    if from_seq == 1:
        expected_prev: str | None = GENESIS_HASH
    else:
        expected_prev = (
            AuditEvent.objects.filter(seq=from_seq - 1).values_list("hash", flat=True).first()
        )
    verifier = ChainVerifier(first_seq=from_seq, expected_prev_hash=expected_prev)
    rows = (
        AuditEvent.objects.filter(seq__gte=from_seq, seq__lte=head.seq)
        .order_by("seq")
        .values_list(*COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    problem: ChainProblem | None = None
    # Inside a transaction PostgreSQL streams the server-side cursor as it goes; outside
    # one, Django must declare it WITH HOLD, which makes the server materialise the rest.
    with transaction.atomic():
        problem = _walk(rows, verifier, progress)

    reaches_head = verifier.last_seq == head.seq and verifier.last_hash == head.hash
    if problem is None and head.seq >= from_seq and not reaches_head:
        problem = ChainProblem(
            (verifier.last_seq or from_seq - 1) + 1,
            TAIL_CUT,
            f"the chain ends at seq {verifier.last_seq} but its head records seq {head.seq}",
        )
    checkpoint_seq = None
    if problem is None:
        problem, checkpoint_seq = _check_latest_checkpoint(head_seq=head.seq)
    return VerifyResult(
        from_seq=from_seq,
        events_verified=verifier.count,
        last_seq=verifier.last_seq,
        head_seq=head.seq,
        problem=problem,
        checkpoint_seq=checkpoint_seq,
    )


def _walk(
    rows: Any, verifier: ChainVerifier, progress: Callable[[int], None] | None
) -> ChainProblem | None:
    for row in rows:
        fields = {
            "seq": row[0],
            "occurred_at": format_time(row[1]),
            "action": row[2],
            "actor_id": row[3],
            "actor_label": row[4],
            "object_type": row[5],
            "object_id": row[6],
            "data": row[7],
            "client_ip": row[8],
            "request_id": row[9],
            "prev_hash": row[10],
        }
        problem = verifier.feed(fields, row[11])
        if problem is not None:
            return problem
        if progress is not None and verifier.count % 100_000 == 0:
            progress(verifier.count)
    return None


def _check_latest_checkpoint(*, head_seq: int) -> tuple[ChainProblem | None, int | None]:
    """The newest checkpoint, in the chain and in the checkpoint file kept outside the
    database, must carry a valid signature by a trusted key, and the event it names must
    still exist with the hash it signed."""
    candidates: list[tuple[int | None, Any]] = []
    in_chain = (
        AuditEvent.objects.filter(action=AuditAction.AUDIT_CHECKPOINT, seq__lte=head_seq)
        .order_by("-seq")
        .values_list("seq", "data")
        .first()
    )
    if in_chain is not None:
        candidates.append(in_chain)
    outside = checkpoints.latest()
    if outside is not None:
        candidates.append((None, outside))
    checked: int | None = None
    trusted = keys.trusted_public_keys() if candidates else {}
    for event_seq, data in candidates:
        try:
            seq, digest, key_id, signature = (
                int(data["seq"]),
                str(data["hash"]),
                str(data["key_id"]),
                str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError):
            return ChainProblem(event_seq, BAD_CHECKPOINT, "a checkpoint lacks seq/hash/key"), None
        where = f"checkpoint at seq {event_seq}" if event_seq else "checkpoint file"
        error = keys.verify(
            checkpoint_message(seq=seq, hash=digest, key_id=key_id),
            signature_b64=signature,
            claimed_key_id=key_id,
            keys=trusted,
        )
        if error:
            return ChainProblem(event_seq, BAD_CHECKPOINT, f"{where}: {error}"), seq
        if seq > 0:
            stored = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
            if stored is None:
                return (
                    ChainProblem(seq, TAIL_CUT, f"seq {seq}, signed in the {where}, is gone"),
                    seq,
                )
            if stored != digest:
                return (
                    ChainProblem(
                        seq, TAIL_CUT, f"seq {seq} no longer has the hash signed in the {where}"
                    ),
                    seq,
                )
        checked = max(checked or 0, seq)
    return None, checked
