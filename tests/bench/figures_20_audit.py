"""Audit log figures (PostgreSQL), each divided by a floor measured in the same run:

1. appends/s through audit_record, 8 concurrent writers (threads, one connection each, one
   transaction per append) ÷ plain INSERTs of the same rows by 8 writers into a scratch
   table with the same columns and indexes but neither the chain nor the seal's CHECK;
   then the new range must be gapless and the chain must verify;
2. verify_log events/s ÷ SHA-256 of the same canonical bytes in a loop, best of two runs
   against best of three (also printed: the canonical JSON + SHA-256 loop in Python, and
   whether the verifier could rely on the seal and hash the stored preimages);
3. export rows/s ÷ `COPY (SELECT …) TO STDOUT` of the same rows, with peak RSS of the
   exporting process (a subprocess, ru_maxrss) at 100k and at BENCH_AUDIT_EVENTS rows.

BENCH_AUDIT_EVENTS (default 1_000_000) events are made once and reused: valid chained rows
are computed in Python and loaded with COPY FROM (audit_record would take far too long),
only as many as are missing, continuing the chain from its head.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.bench.harness import ROOT, Bench, Figure, section, stderr

WRITERS = 8
APPENDS_EACH = int(os.environ.get("BENCH_AUDIT_APPENDS_EACH", "250"))
TOTAL_EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
SMALL_EXPORT = min(100_000, TOTAL_EVENTS)
COPY_BATCH = 50_000
COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data",
    "client_ip",
    "request_id",
    "prev_hash",
    "hash",
)
# What _ensure_events loads: the stored columns and the canonical text of `data`.
COPY_COLUMNS = (*COLUMNS[:8], "data_canonical", *COLUMNS[8:], "preimage")
ACTIONS = ("notification.sent", "access_request.submitted", "grant.activated", "user.login")


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection

    if connection.vendor != "postgresql":
        stderr("[bench] figures_20_audit needs PostgreSQL; skipped")
        return
    yield from _appends()
    with section(f"audit: make {TOTAL_EVENTS} chained events"):
        _ensure_events(TOTAL_EVENTS)
    yield from _verification()
    yield from _exports()


# -- 1. appends -----------------------------------------------------------------------------


def _row_data(writer: int, i: int) -> dict[str, Any]:
    return {"writer": writer, "i": i, "reason": "bench append", "datasets": ["DS-1", "DS-2"]}


def _run_writers(target: Any, *, synchronous_commit: bool = True) -> float:
    from django.db import connection, connections

    barrier = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def body(number: int) -> None:
        try:
            if not synchronous_commit:
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO off")
            barrier.wait(timeout=60)
            target(number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"a writer failed: {errors[0]!r}")
    return elapsed


def _appends() -> Iterator[Figure]:
    from django.db import connection, transaction

    from audit.chain import canonical_data
    from audit.models import AuditEvent, ChainHead
    from audit.services import audit_record
    from audit.verify import verify_log
    from notifications.audit_actions import NotificationAudit

    with connection.cursor() as cursor:
        # The same columns and indexes, without the seal's CHECK: that check is part of
        # what the chain costs, not of a plain insert.
        cursor.execute("DROP TABLE IF EXISTS bench_audit_plain")
        cursor.execute(
            "CREATE TABLE bench_audit_plain "
            "(LIKE audit_auditevent INCLUDING ALL EXCLUDING CONSTRAINTS)"
        )
        cursor.execute("TRUNCATE bench_audit_plain")
    connection.close()

    def plain(number: int) -> None:
        from django.db import connection as conn

        for i in range(APPENDS_EACH):
            with transaction.atomic(), conn.cursor() as cursor:
                data = canonical_data(_row_data(number, i))
                cursor.execute(
                    "INSERT INTO bench_audit_plain (seq, occurred_at, actor_id, actor_label, "
                    "action, object_type, object_id, data, data_canonical, client_ip, "
                    "request_id, prev_hash, hash, preimage) "
                    "VALUES (%s, now(), NULL, %s, %s, %s, %s, %s, %s, NULL, '', %s, %s, "
                    "convert_to(%s, 'UTF8'))",
                    [
                        number * 10_000_000 + i,
                        f"system:bench-{number}",
                        NotificationAudit.NOTIFICATION_SENT.value,
                        "notification",
                        f"W{number}-{i}",
                        data,
                        data,
                        "0" * 64,
                        hashlib.sha256(f"{number}-{i}".encode()).hexdigest(),
                        # A preimage of the size an event's would be.
                        f'{{"action":"notification.sent","data":{data},"prev_hash":"{"0" * 64}"}}'
                        + "x" * 150,
                    ],
                )

    def chained(number: int) -> None:
        for i in range(APPENDS_EACH):
            with transaction.atomic():
                audit_record(
                    actor=None,
                    system=f"bench-{number}",
                    action=NotificationAudit.NOTIFICATION_SENT,
                    target=("notification", f"W{number}-{i}"),
                    data=_row_data(number, i),
                )

    total = WRITERS * APPENDS_EACH
    with section("audit: plain INSERT floor, 8 writers"):
        plain_rate = total / _run_writers(plain)
    start = ChainHead.objects.get(pk=1).seq
    with section("audit: audit_record, 8 writers"):
        chained_rate = total / _run_writers(chained)
    # The same pair without waiting for the WAL flush at commit: the chain head lock is held
    # through the commit, so with synchronous commits the chained rate is bounded by one
    # flush per append while plain writers share flushes (group commit). This pair shows
    # the cost of the chain itself.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_audit_plain")
    connection.close()
    with section("audit: both again without synchronous commit"):
        plain_async = total / _run_writers(plain, synchronous_commit=False)
        chained_async = total / _run_writers(chained, synchronous_commit=False)
    seqs = list(
        AuditEvent.objects.filter(seq__gt=start).order_by("seq").values_list("seq", flat=True)
    )
    gapless = seqs == list(range(start + 1, start + 2 * total + 1))
    result = verify_log(from_seq=max(1, start))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_audit_plain")
    yield Figure(
        "audit appends/s through audit_record, 8 concurrent writers",
        chained_rate,
        "appends/s",
        floor=plain_rate,
        target=0.3,
        extra={
            "floor_of": "plain INSERT of the same rows, 8 writers, no chain",
            "appends": total,
            "no_sync_commit_appends_per_s": round(chained_async, 1),
            "no_sync_commit_plain_per_s": round(plain_async, 1),
            "no_sync_commit_ratio": round(chained_async / plain_async, 3),
            "gapless": gapless,
            "chain_verifies": result.ok,
        },
    )
    if not (gapless and result.ok):
        raise RuntimeError(f"chain broken under concurrency: gapless={gapless} {result.problem}")


# -- bulk events ----------------------------------------------------------------------------


def _ensure_events(total: int) -> None:
    """Append chained events with COPY until the log holds `total`, continuing from the
    head under its lock (so the chain stays valid and verifiable)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from audit.chain import canonical_bytes, canonical_data, format_time
    from audit.models import ChainHead

    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        missing = total - head.seq
        if missing <= 0:
            stderr(f"[bench] reusing {head.seq} events")
            return
        seq, prev = head.seq, head.hash
        base = timezone.now()
        raw = connection.connection
        assert raw is not None
        made = 0
        while made < missing:
            batch = min(COPY_BATCH, missing - made)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for _ in range(batch):
                seq += 1
                made += 1
                occurred = format_time(base + timedelta(microseconds=made))
                data = {"i": seq, "note": "bulk bench event", "datasets": [f"DS-{seq % 97}"]}
                fields = {
                    "action": ACTIONS[seq % len(ACTIONS)],
                    "actor_id": None,
                    "actor_label": "system:bench",
                    "client_ip": None,
                    "data": data,
                    "object_id": f"OBJ-{seq % 5000}",
                    "object_type": "bench",
                    "occurred_at": occurred,
                    "prev_hash": prev,
                    "request_id": "",
                    "seq": seq,
                }
                image = canonical_bytes(fields)
                digest = hashlib.sha256(image).hexdigest()
                text = canonical_data(data)
                writer.writerow(
                    [
                        seq,
                        occurred,
                        r"\N",
                        fields["actor_label"],
                        fields["action"],
                        fields["object_type"],
                        fields["object_id"],
                        text,
                        text,
                        r"\N",
                        "",
                        prev,
                        digest,
                        "\\x" + image.hex(),
                    ]
                )
                prev = digest
            buffer.seek(0)
            with raw.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY audit_auditevent ({', '.join(COPY_COLUMNS)}) FROM STDIN "
                    "WITH (FORMAT csv, NULL '\\N')",
                    buffer,
                )
            stderr(f"[bench] {head.seq + made} / {total} events")
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    with connection.cursor() as cursor:
        # VACUUM, not only ANALYZE: the first read of freshly copied rows writes their hint
        # bits, and autovacuum would otherwise start on the million new rows while the
        # verifier runs; a deployed log has long been vacuumed.
        cursor.execute("VACUUM (ANALYZE) audit_auditevent")


# -- 2. verification ------------------------------------------------------------------------


def _verification() -> Iterator[Figure]:
    from audit.chain import canonical_bytes, row_fields
    from audit.verify import COLUMNS as VERIFY_COLUMNS
    from audit.verify import verify_log

    # Best of two runs, and the floor best of three (the machines are shared and noisy).
    timings = []
    for attempt in (1, 2):
        with section(f"audit: verify_log over the whole chain ({attempt})"):
            started = time.perf_counter()
            result = verify_log()
            timings.append(time.perf_counter() - started)
        if not result.ok:
            raise RuntimeError(f"the bench chain does not verify: {result.problem}")
    elapsed = min(timings)
    verify_rate = result.events_verified / elapsed

    # The floors, over a sample of the same rows held in memory.
    from audit.models import AuditEvent

    sample: list[dict[str, Any]] = []
    for row in (
        AuditEvent.objects.order_by("seq").values_list(*VERIFY_COLUMNS).iterator(chunk_size=5000)
    ):
        sample.append(row_fields(row))
        if len(sample) >= 50_000:
            break
    blobs = [canonical_bytes(fields) for fields in sample]
    sha_rate = 0.0
    for _attempt in range(3):
        started = time.perf_counter()
        for blob in blobs:
            hashlib.sha256(blob).hexdigest()
        sha_rate = max(sha_rate, len(blobs) / (time.perf_counter() - started))
    started = time.perf_counter()
    for fields in sample:
        hashlib.sha256(canonical_bytes(fields)).hexdigest()
    canonical_rate = len(sample) / (time.perf_counter() - started)
    yield Figure(
        "verify_audit_log events/s",
        verify_rate,
        "events/s",
        floor=sha_rate,
        target=0.5,
        extra={
            "floor_of": "SHA-256 of the same canonical bytes in a loop",
            "events": result.events_verified,
            "seconds": round(elapsed, 2),
            "seconds_each_run": [round(t, 2) for t in timings],
            "sealed": result.sealed,
            "canonical_json_plus_sha256_per_s": round(canonical_rate, 1),
            "ratio_to_canonical_json_plus_sha256": round(verify_rate / canonical_rate, 3),
        },
    )


# -- 3. exports -----------------------------------------------------------------------------

EXPORT_SCRIPT = r"""
import io, resource, sys, time, django
django.setup()
from django.core.management import call_command
fmt, first, last, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
started = time.perf_counter()
call_command("export_audit_log", "--format", fmt, "--from-seq", first, "--through-seq", last,
             "--output", out, "--quiet-progress", stdout=io.StringIO())
elapsed = time.perf_counter() - started
print(int(last) - int(first) + 1, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _export_in_subprocess(fmt: str, first: int, last: int, out: str) -> tuple[int, float, float]:
    """`manage.py export_audit_log` in a fresh process: rows, seconds, peak RSS (MB)."""
    result = subprocess.run(
        [sys.executable, "-c", EXPORT_SCRIPT, fmt, str(first), str(last), out],
        cwd=ROOT,
        env={**os.environ},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"export subprocess failed: {result.stderr[-2000:]}")
    rows, elapsed, rss_kb = result.stdout.strip().splitlines()[-1].split()
    return int(rows), float(elapsed), int(rss_kb) / 1024


def _copy_rate(first: int, last: int) -> float:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with tempfile.TemporaryFile() as sink, raw.cursor() as cursor:
        started = time.perf_counter()
        cursor.copy_expert(
            f"COPY (SELECT {', '.join(COLUMNS)} FROM audit_auditevent WHERE seq BETWEEN "
            f"{int(first)} AND {int(last)} ORDER BY seq) TO STDOUT WITH (FORMAT csv)",
            sink,
        )
        elapsed = time.perf_counter() - started
    return (last - first + 1) / elapsed


def _exports() -> Iterator[Figure]:
    from audit import export
    from audit.models import ChainHead

    head = ChainHead.objects.get(pk=1).seq
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "export.csv")
        with section(f"audit: export {SMALL_EXPORT} rows (CSV)"):
            small_rows, _small_s, small_rss = _export_in_subprocess("csv", 1, SMALL_EXPORT, out)
        # The floor is taken just before and just after the export, keeping the faster,
        # so a burst of load on a shared machine does not flatter the ratio.
        with section("audit: COPY TO STDOUT floor (before)"):
            copy_before = _copy_rate(1, head)
        with section(f"audit: export {head} rows (CSV)"):
            rows, seconds, rss = _export_in_subprocess("csv", 1, head, out)
        with section("audit: COPY TO STDOUT floor (after)"):
            copy_rate = max(copy_before, _copy_rate(1, head))
        with section("audit: verify_audit_export of that file"):
            export.verify_export(Path(out))
        jsonl = os.path.join(folder, "export.jsonl")
        with section(f"audit: export {head} rows (JSON Lines, rendered in Python)"):
            jsonl_rows, jsonl_seconds, jsonl_rss = _export_in_subprocess("jsonl", 1, head, jsonl)
    yield Figure(
        "audit export rows/s (manage.py export_audit_log --format csv)",
        rows / seconds,
        "rows/s",
        floor=copy_rate,
        target=0.3,
        extra={
            "floor_of": "COPY (SELECT …) TO STDOUT of the same rows",
            "rows": rows,
            "verified": True,
            "peak_rss_mb_small": round(small_rss, 1),
            "rows_small": small_rows,
            "peak_rss_mb_full": round(rss, 1),
            "rss_growth_mb": round(rss - small_rss, 1),
            "rss_growth_target_mb": 50,
            "jsonl_rows_per_s": round(jsonl_rows / jsonl_seconds, 1),
            "jsonl_ratio": round(jsonl_rows / jsonl_seconds / copy_rate, 3),
            "jsonl_peak_rss_mb": round(jsonl_rss, 1),
        },
    )
