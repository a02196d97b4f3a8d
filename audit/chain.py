"""The canonical form of an audit event and its hash.

canonical_bytes(event) is the UTF-8 of a JSON object with exactly these keys, sorted, with
no whitespace (separators "," and ":"), non-ASCII characters kept as they are:

    action        dotted action name                     "access_request.submitted"
    actor_id      the actor's database id, or null       7
    actor_label   username at the time, or "system:job"  "researcher1"
    client_ip     string or null                         "127.0.0.1"
    data          JSON object (strings, integers, booleans, null, lists, objects; no floats)
    object_id     string ("" when none)                  "DAR-2026-000001"
    object_type   string ("" when none)                  "access_request"
    occurred_at   UTC, ISO-8601, microseconds, "Z"        "2026-11-25T05:09:38.123456Z"
    prev_hash     the previous event's hash (64 hex; "0"*64 before the first event)
    request_id    string ("" when none)
    seq           integer, 1 for the first event

hash = lowercase hex SHA-256 of canonical_bytes. Anyone can re-implement this from the
export files alone (docs/audit-log.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from audit import offline_verifier

_ZERO = dt.timedelta(0)
# One encoder, built once: json.dumps with options builds a new one per call, which the
# verifier would pay a million times. Same output as
# json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# The stored columns of an event, in the order exports write them and verification reads them.
STORED_COLUMNS = (
    "seq",
    "occurred_at",
    "action",
    "actor_id",
    "actor_label",
    "object_type",
    "object_id",
    "data",
    "client_ip",
    "request_id",
    "prev_hash",
    "hash",
)

# The hashed fields are defined once, in the single-file offline verifier, so that the portal
# and anyone checking a receipt outside it hash the same fields.
HASHED_FIELDS = offline_verifier.HASHED_FIELDS


def format_time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("Audit timestamps must be timezone-aware.")
    if value.utcoffset() != _ZERO:
        value = value.astimezone(dt.UTC)
    # Same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), at a fraction of the cost: the
    # verifier formats every event's timestamp.
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_PLAIN = frozenset({str, int, bool, type(None)})


def normalise_data(value: Any) -> Any:
    """Turn `data` into plain JSON that survives a database round trip unchanged: floats and
    Decimals become strings (jsonb may re-render numbers), dates become ISO strings."""
    # Most values are plain already: they are checked first, by exact type, and inside a
    # dict or list without a call each (batch appends normalise hundreds of thousands).
    if type(value) in _PLAIN:
        return value
    if isinstance(value, dict):
        return {
            k if type(k) is str else str(k): v if type(v) in _PLAIN else normalise_data(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = [v if type(v) in _PLAIN else normalise_data(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums, TextChoices
        return value.value
    raise TypeError(f"Audit data cannot hold a {type(value).__name__}.")


def canonical_data(value: Any) -> str:
    """The canonical JSON text of an event's `data` (already normalised): what the hashed
    form embeds, and what `data_canonical` stores so that PostgreSQL can rebuild the
    canonical form without re-serialising jsonb (whose text form is not canonical)."""
    return _ENCODER.encode(value)


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    payload = {name: fields[name] for name in HASHED_FIELDS}
    return _ENCODER.encode(payload).encode("utf-8")


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(fields)).hexdigest()


@dataclass(frozen=True)
class EventText:
    """An event's canonical text with a gap where the chain's own fields go (the time, the
    previous hash and seq), for writers that know everything else before they lock the
    chain head: the fields are encoded once (EventTexts), and hashing under the lock only
    joins strings. `whole` is exactly `canonical_bytes` of the whole event, as text (a
    property test checks it), so its SHA-256 is the event's `compute_hash`.

    The keys are sorted, so the gap sits between `object_type` and `request_id`, and `seq`
    comes last. The time (format_time) and the previous hash (hex) never need escaping."""

    before: str  # {"action":…, …, "object_type":…
    after: str  # "request_id":…,"seq":

    def whole(self, *, occurred_at: str, prev_hash: str, seq: int) -> str:
        """The complete canonical text: its UTF-8 is the event's preimage."""
        text = f'{self.before},"occurred_at":"{occurred_at}","prev_hash":"{prev_hash}",'
        return f"{text}{self.after}{seq}}}"


_BEFORE_DATA = ("action", "actor_id", "actor_label", "client_ip")
# What _ENCODER does with a str (ensure_ascii=False), without its per-call dispatch.
_QUOTE = json.encoder.encode_basestring


class EventTexts:
    """EventText for a batch of events that share their action, actor, address and
    request id (audit_record_many): the shared parts are encoded once for all of them."""

    def __init__(self, common: dict[str, Any]) -> None:
        self._head = _ENCODER.encode({k: common[k] for k in _BEFORE_DATA})[:-1]
        self._after = f'"request_id":{_ENCODER.encode(common["request_id"])},"seq":'

    def text(self, object_type: str, object_id: str, data_json: str) -> EventText:
        # The keys in order: object_id sorts before object_type. Both are str (the
        # writers' _target_of), quoted by the encoder's own string function.
        target = f'"object_id":{_QUOTE(object_id)},"object_type":{_QUOTE(object_type)}'
        return EventText(before=f'{self._head},"data":{data_json},{target}', after=self._after)


def event_fields(event: Any) -> dict[str, Any]:
    """The hashed fields of a stored AuditEvent (or of anything with the same attributes)."""
    return {
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "client_ip": event.client_ip,
        "data": event.data,
        "object_id": event.object_id,
        "object_type": event.object_type,
        "occurred_at": format_time(event.occurred_at),
        "prev_hash": event.prev_hash,
        "request_id": event.request_id,
        "seq": event.seq,
    }


def row_fields(row: Any) -> dict[str, Any]:
    """The hashed fields of a row read in STORED_COLUMNS order (its stored hash, the last
    column, is left out): what the verifier, the export and the bench all read."""
    return {
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


# What can be wrong with a chain, as reported by the verifiers (stable codes, printed in
# words: "hash mismatch", "broken link", "gap" …).
HASH_MISMATCH = "hash_mismatch"
BROKEN_LINK = "broken_link"
GAP = "gap"
TAIL_CUT = "tail_cut"
BAD_CHECKPOINT = "bad_checkpoint"

PROBLEM_WORDS = {
    HASH_MISMATCH: "hash mismatch",
    BROKEN_LINK: "broken link",
    GAP: "gap",
    TAIL_CUT: "tail cut",
    BAD_CHECKPOINT: "bad checkpoint",
    "tree_head_mismatch": "disagrees with a published tree head",
}


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"seq {self.seq}: " if self.seq is not None else ""
        return f"{where}{PROBLEM_WORDS.get(self.kind, self.kind)} — {self.message}"


def gap_problem(seq: Any, expected_seq: int) -> ChainProblem:
    """Event `seq` came where `expected_seq` was due."""
    if isinstance(seq, int) and seq > expected_seq:
        missing = (
            f"seq {expected_seq} is missing"
            if seq == expected_seq + 1
            else f"seq {expected_seq}…{seq - 1} are missing"
        )
    else:
        missing = f"expected seq {expected_seq}, found {seq} again or out of order"
    return ChainProblem(seq, GAP, missing)


def link_problem(seq: int, prev_hash: Any, expected_prev_hash: str) -> ChainProblem:
    return ChainProblem(
        seq,
        BROKEN_LINK,
        f"prev_hash {str(prev_hash)[:16]}… is not the previous event's "
        f"hash {expected_prev_hash[:16]}…",
    )


def hash_problem(seq: int, stored_hash: Any, recomputed: str) -> ChainProblem:
    return ChainProblem(
        seq,
        HASH_MISMATCH,
        f"stored hash {str(stored_hash)[:16]}… but the content hashes to {recomputed[:16]}…",
    )


DATA_MISMATCH_MESSAGE = (
    "the event's data no longer matches the canonical text it was hashed from (data_canonical)"
)
PREIMAGE_MISMATCH_MESSAGE = "the stored preimage is not the canonical text of the event's columns"


class ChainVerifier:
    """Checks events fed to it in seq order, keeping only the last seq and hash, so a
    verifier over any number of events runs in constant memory.

    `expected_prev_hash=None` skips the link check of the first event (an export or a
    verification that starts in the middle of the chain and cannot see the event before).
    """

    def __init__(self, *, first_seq: int | None = 1, expected_prev_hash: str | None = None):
        self.expected_seq = first_seq
        self.expected_prev_hash = expected_prev_hash
        self.count = 0
        self.first_seq: int | None = None
        self.first_prev_hash: str | None = None
        self.last_seq: int | None = None
        self.last_hash: str | None = None

    def feed(
        self,
        fields: dict[str, Any],
        stored_hash: str,
        *,
        content_problem: str | None = None,
        preimage: bytes | memoryview | None = None,
    ) -> ChainProblem | None:
        """Check the next event. `content_problem` (a message) reports, as a hash mismatch
        after the seq and link checks, something the caller found wrong with the row that
        the fields alone do not show (its `data_canonical` no longer matching `data`).
        A stored `preimage`, when given, must be exactly the event's canonical bytes."""
        seq = fields["seq"]
        if self.expected_seq is not None and seq != self.expected_seq:
            return gap_problem(seq, self.expected_seq)
        if self.expected_prev_hash is not None and fields["prev_hash"] != self.expected_prev_hash:
            return link_problem(seq, fields["prev_hash"], self.expected_prev_hash)
        if content_problem is not None:
            return ChainProblem(seq, HASH_MISMATCH, content_problem)
        image = canonical_bytes(fields)
        if preimage is not None and bytes(preimage) != image:
            return ChainProblem(seq, HASH_MISMATCH, PREIMAGE_MISMATCH_MESSAGE)
        recomputed = hashlib.sha256(image).hexdigest()
        if recomputed != stored_hash:
            return hash_problem(seq, stored_hash, recomputed)
        if self.count == 0:
            self.first_seq = seq
            self.first_prev_hash = fields["prev_hash"]
        self.count += 1
        self.last_seq = seq
        self.last_hash = stored_hash
        self.expected_seq = seq + 1
        self.expected_prev_hash = stored_hash
        return None


def checkpoint_message(*, seq: int, hash: str, key_id: str) -> bytes:
    """The bytes a checkpoint signature covers: canonical JSON of the checkpointed head."""
    payload = {"hash": hash, "key_id": key_id, "kind": "audit.checkpoint", "seq": seq}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")
