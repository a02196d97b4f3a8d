"""Exports of the audit log (CSV or JSON Lines) and their signed manifests.

An export is a contiguous run of events, seq `first_seq` … `last_seq`, streamed from a
server-side cursor in chunks so memory stays flat however long the log is. Every hashed
field of each event is in the file, with its hash, so anyone holding the file can recompute
the chain (audit.chain documents the canonical form; docs/audit-log.md spells it out).

The manifest (FILE.manifest.json) names the range, row count, first and last seq and hash,
the file's SHA-256 and the signing key's id; `signature` is Ed25519 over the canonical
JSON of every other manifest field (sorted keys, no whitespace, UTF-8), in base64.

CSV cells are formula-safe (dac_portal.csv_safety): a cell that starts with = + - @, a tab,
a carriage return or a single quote is written behind a single quote, so a spreadsheet
shows it as text. The manifest of such a file says `"cell_escape": "formula-quote"` and the
verifier takes the quote off again before hashing, so the chain still verifies; files made
before the escape (no `cell_escape` in their manifest) are read as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit import keys
from audit.chain import STORED_COLUMNS, ChainProblem, ChainVerifier, format_time, row_fields
from audit.models import AuditEvent, ChainHead
from audit.verify import COLUMNS
from dac_portal.csv_safety import restore_cell, safe_cell, sql_safe_cell

FORMATS = ("csv", "jsonl")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
# Column order of CSV exports; JSON Lines objects carry the same keys, sorted.
CSV_COLUMNS = STORED_COLUMNS
CANONICAL_FORM = "dac-portal-audit-event-v1"
CHUNK_SIZE = 2000
MANIFEST_SUFFIX = ".manifest.json"
# The manifest's name for the CSV cell escape of dac_portal.csv_safety.
CELL_ESCAPE = "formula-quote"


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class ExportRange:
    """What an export covers: events with first_seq ≤ seq ≤ last_seq (None: empty)."""

    format: str
    date_from: dt.datetime | None
    date_to: dt.datetime | None
    through_seq: int
    first_seq: int | None
    last_seq: int | None

    def describe(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "from": format_time(self.date_from) if self.date_from else None,
            "to": format_time(self.date_to) if self.date_to else None,
            "through_seq": self.through_seq,
        }


@dataclass
class ExportStats:
    """Filled in while the export streams; the manifest is made from it at the end."""

    row_count: int = 0
    first_seq: int | None = None
    first_prev_hash: str | None = None
    first_hash: str | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    sha256: Any = field(default_factory=hashlib.sha256)
    bytes_written: int = 0

    def add_row(self, row: dict[str, Any]) -> None:
        if self.row_count == 0:
            self.first_seq = row["seq"]
            self.first_prev_hash = row["prev_hash"]
            self.first_hash = row["hash"]
        self.row_count += 1
        self.last_seq = row["seq"]
        self.last_hash = row["hash"]

    def add_bytes(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        self.bytes_written += len(chunk)


def resolve_range(
    *,
    fmt: str,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    through_seq: int | None = None,
    from_seq: int | None = None,
) -> ExportRange:
    """Turn a time window into a seq range. An export is always a contiguous slice of the
    chain (so its links can be checked), bounded by the head at the time of the request
    (so the manifest asked for later describes the very same rows)."""

    head_seq = ChainHead.objects.values_list("seq", flat=True).get(pk=1)
    through = head_seq if through_seq is None else min(through_seq, head_seq)
    events = AuditEvent.objects.filter(seq__lte=through)
    first: int | None = 1 if through >= 1 else None
    last: int | None = through if through >= 1 else None
    if date_from is not None:
        first = (
            events.filter(occurred_at__gte=date_from)
            .order_by("occurred_at", "seq")
            .values_list("seq", flat=True)
            .first()
        )
    if date_to is not None:
        last = (
            events.filter(occurred_at__lt=date_to)
            .order_by("-occurred_at", "-seq")
            .values_list("seq", flat=True)
            .first()
        )
    if from_seq is not None and first is not None:
        first = max(first, from_seq)
    if first is None or last is None or first > last:
        first = last = None
    return ExportRange(fmt, date_from, date_to, through, first, last)


def iter_events(
    export_range: ExportRange, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[dict[str, Any]]:
    """The hashed fields plus `hash` of each event in the range, in seq order."""

    if export_range.first_seq is None:
        return
    rows = (
        AuditEvent.objects.filter(seq__gte=export_range.first_seq, seq__lte=export_range.last_seq)
        .order_by("seq")
        .values_list(*COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        yield {**row_fields(row), "hash": row[11]}


def _csv_cell(name: str, value: Any) -> str:
    if name == "data":
        return safe_cell(_dumps(value))
    # None is an empty cell (actor_id of a system job; client_ip when unknown — the writer
    # never stores an empty-string address, so the two cannot be confused).
    return safe_cell(value)


def render(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    stats: ExportStats,
    *,
    rows_per_chunk: int = 500,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """Encode rows as CSV or JSON Lines, yielding a few hundred rows per chunk; `stats`
    follows along (row count, first/last seq and hash, SHA-256 of the bytes)."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}.")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    pending = 0
    for row in rows:
        stats.add_row(row)
        if writer is not None:
            writer.writerow([_csv_cell(name, row[name]) for name in CSV_COLUMNS])
        else:
            buffer.write(_dumps(row))
            buffer.write("\n")
        pending += 1
        if pending >= rows_per_chunk:
            chunk = buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
            stats.add_bytes(chunk)
            if progress is not None:
                progress(stats.row_count)
            yield chunk
    chunk = buffer.getvalue().encode("utf-8")
    if chunk:
        stats.add_bytes(chunk)
        yield chunk
    if progress is not None:
        progress(stats.row_count)


def manifest_message(manifest: dict[str, Any]) -> bytes:
    """The bytes a manifest signature covers: every field but `signature`, canonical."""
    return _dumps({k: v for k, v in manifest.items() if k != "signature"}).encode("utf-8")


def build_manifest(
    export_range: ExportRange, stats: ExportStats, *, file_name: str, created_at: dt.datetime
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        **export_range.describe(),
        "canonical_form": CANONICAL_FORM,
        "columns": list(CSV_COLUMNS),
        "created_at": format_time(created_at),
        "file": file_name,
        "file_sha256": stats.sha256.hexdigest(),
        "first_hash": stats.first_hash,
        "first_prev_hash": stats.first_prev_hash,
        "first_seq": stats.first_seq,
        "hash_algorithm": "sha256",
        "key_id": keys.current_key_id(),
        "last_hash": stats.last_hash,
        "last_seq": stats.last_seq,
        "row_count": stats.row_count,
        "signature_algorithm": "Ed25519",
    }
    if export_range.format == "csv":
        manifest["cell_escape"] = CELL_ESCAPE
    key_id, signature = keys.sign(manifest_message(manifest))
    manifest["key_id"] = key_id
    manifest["signature"] = signature
    return manifest


def manifest_json(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


# -- offline verification of an export ------------------------------------------------------


class ExportInvalid(Exception):
    def __init__(self, message: str, *, seq: int | None = None):
        super().__init__(message)
        self.seq = seq


def _parse_csv(handle: Any, *, escaped: bool) -> Iterator[tuple[dict[str, Any], str]]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None or tuple(header) != CSV_COLUMNS:
        raise ExportInvalid("the CSV header is not the audit export header")
    for line_no, cells in enumerate(reader, start=2):
        if len(cells) != len(CSV_COLUMNS):
            raise ExportInvalid(f"line {line_no} has {len(cells)} cells")
        if escaped:
            cells = [restore_cell(cell) for cell in cells]
        row = dict(zip(CSV_COLUMNS, cells, strict=True))
        try:
            fields = {
                "seq": int(row["seq"]),
                "occurred_at": row["occurred_at"],
                "action": row["action"],
                "actor_id": int(row["actor_id"]) if row["actor_id"] else None,
                "actor_label": row["actor_label"],
                "object_type": row["object_type"],
                "object_id": row["object_id"],
                "data": json.loads(row["data"]),
                "client_ip": row["client_ip"] or None,
                "request_id": row["request_id"],
                "prev_hash": row["prev_hash"],
            }
        except ValueError as exc:
            raise ExportInvalid(f"line {line_no} cannot be read: {exc}") from exc
        yield fields, row["hash"]


def _parse_jsonl(handle: Any) -> Iterator[tuple[dict[str, Any], str]]:
    for line_no, line in enumerate(handle, start=1):
        try:
            row = json.loads(line)
            stored = row.pop("hash")
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise ExportInvalid(f"line {line_no} is not an audit event: {exc}") from exc
        yield row, stored


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# long: one check per manifest field, in the order a reader verifies them
def verify_export(  # noqa: C901 - one check per manifest field, in the order a reader verifies them
    path: Path, *, manifest_path: Path | None = None, public_key_pems: list[bytes] | None = None
) -> dict[str, Any]:
    """Check an export offline: the manifest's signature (by a trusted key, or by the given
    public key alone when one is given), the file's SHA-256, and the chain inside the file.
    Returns the manifest; raises ExportInvalid naming the first problem."""
    manifest_path = manifest_path or path.with_name(path.name + MANIFEST_SUFFIX)
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportInvalid(f"cannot read the manifest {manifest_path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ExportInvalid("the manifest is not a JSON object")

    if public_key_pems:
        trusted = {}
        for pem in public_key_pems:
            public = keys.load_public_pem(pem)
            trusted[keys.key_id(public)] = public
    else:
        trusted = keys.trusted_public_keys()
    error = keys.verify(
        manifest_message(manifest),
        signature_b64=str(manifest.get("signature", "")),
        claimed_key_id=str(manifest.get("key_id", "")),
        keys=trusted,
    )
    if error:
        raise ExportInvalid(f"manifest signature: {error}")

    actual = file_sha256(path)
    if actual != manifest.get("file_sha256"):
        raise ExportInvalid(
            f"the file's SHA-256 is {actual}, the manifest says {manifest.get('file_sha256')}"
        )

    fmt = manifest.get("format")
    if fmt not in FORMATS:
        raise ExportInvalid(f"unknown format {fmt!r} in the manifest")
    verifier = ChainVerifier(
        first_seq=manifest.get("first_seq"), expected_prev_hash=manifest.get("first_prev_hash")
    )
    with path.open("r", encoding="utf-8", newline="") as handle:
        escape = manifest.get("cell_escape")
        if escape not in (None, CELL_ESCAPE):
            raise ExportInvalid(f"unknown cell escape {escape!r} in the manifest")
        rows = (
            _parse_csv(handle, escaped=escape == CELL_ESCAPE)
            if fmt == "csv"
            else _parse_jsonl(handle)
        )
        for fields, stored_hash in rows:
            try:
                problem = verifier.feed(fields, stored_hash)
            except (KeyError, TypeError, ValueError) as exc:
                raise ExportInvalid(f"a row cannot be hashed: {exc}") from exc
            if problem is not None:
                raise ExportInvalid(str(problem), seq=problem.seq)
    expected = (
        manifest.get("row_count"),
        manifest.get("last_seq"),
        manifest.get("last_hash"),
    )
    found = (verifier.count, verifier.last_seq, verifier.last_hash)
    if expected != found:
        raise ExportInvalid(
            f"the file holds {found[0]} events ending at seq {found[1]}, the manifest says "
            f"{expected[0]} ending at seq {expected[1]}",
            seq=found[1],
        )
    return manifest


__all__ = ["ChainProblem", "ExportInvalid", "ExportRange", "ExportStats"]


# -- PostgreSQL fast path for CSV files -----------------------------------------------------

# The same columns, rendered by PostgreSQL itself: `data` as jsonb text (valid JSON, keys
# not in canonical order — verifiers parse it and re-serialise canonically, as they do for
# every export) and `occurred_at` in exactly the canonical text. Text columns go through
# the same formula-safe escape as the Python renderer (the ids, seq numbers, addresses and
# hex hashes cannot start with a formula character).
# Only constants go into this text (column names, the escape's characters as chr() codes):
# nothing a caller supplies, and the seq bounds are formatted as integers.
_COPY_SQL = (
    "COPY (SELECT seq, "  # noqa: S608
    "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
    f"AS occurred_at, {sql_safe_cell('action')} AS action, actor_id, "
    f"{sql_safe_cell('actor_label')} AS actor_label, "
    f"{sql_safe_cell('object_type')} AS object_type, "
    f"{sql_safe_cell('object_id')} AS object_id, {sql_safe_cell('data::text')} AS data, "
    f"client_ip, {sql_safe_cell('request_id')} AS request_id, prev_hash, hash "
    "FROM audit_auditevent "
    "WHERE seq BETWEEN {first:d} AND {last:d} ORDER BY seq) TO STDOUT WITH (FORMAT csv, HEADER)"
)


class _Sink:
    """What COPY writes into: the file, the running SHA-256, and a rough row count (lines)
    for the progress bar."""

    def __init__(self, handle: Any, stats: ExportStats, progress: Callable[[int], None] | None):
        self.handle = handle
        self.stats = stats
        self.progress = progress
        self.lines = 0

    def write(self, chunk: bytes | str) -> int:
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        self.handle.write(data)
        self.stats.add_bytes(data)
        if self.progress is not None:
            self.lines += data.count(b"\n")
            self.progress(max(0, self.lines - 1))
        return len(data)


def copy_csv(
    export_range: ExportRange,
    handle: Any,
    stats: ExportStats,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write a CSV export with `COPY … TO STDOUT` (PostgreSQL): streamed, constant memory,
    several times faster than rendering rows in Python. Fills `stats` like render()."""
    from django.db import connection

    if export_range.first_seq is None or export_range.last_seq is None:
        for chunk in render([], "csv", stats):
            handle.write(chunk)
        return
    first, last = export_range.first_seq, export_range.last_seq
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.copy_expert(
            _COPY_SQL.format(first=int(first), last=int(last)), _Sink(handle, stats, progress)
        )
    ends = {
        seq: (prev, digest)
        for seq, prev, digest in AuditEvent.objects.filter(seq__in=[first, last]).values_list(
            "seq", "prev_hash", "hash"
        )
    }
    stats.row_count = AuditEvent.objects.filter(seq__gte=first, seq__lte=last).count()
    if first in ends:
        stats.first_seq, (stats.first_prev_hash, stats.first_hash) = first, ends[first]
    if last in ends:
        stats.last_seq, (_prev, stats.last_hash) = last, ends[last]
