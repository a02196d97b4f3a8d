"""`manage.py export_audit_log --format csv|jsonl [--from DATE --to DATE] --output FILE`.

Streams the events (server-side cursor, constant memory) into FILE and writes the signed
FILE.manifest.json beside it. A progress bar goes to stderr for long exports. The export
itself is recorded in the log as `audit.exported`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from audit import export
from audit.forms import parse_bound
from audit.services import audit_export_record


class Command(BaseCommand):
    help = "Export the audit log as CSV or JSON Lines with a signed manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=export.FORMATS, required=True)
        parser.add_argument("--from", dest="date_from", help="Start date/time (UTC), inclusive.")
        parser.add_argument("--to", dest="date_to", help="End date (inclusive) or date/time.")
        parser.add_argument("--output", required=True, help="File to write.")
        parser.add_argument(
            "--from-seq", type=int, help="First seq to include (with or instead of --from)."
        )
        parser.add_argument(
            "--through-seq", type=int, help="Last seq to include (default: the chain head)."
        )
        parser.add_argument("--chunk-size", type=int, default=export.CHUNK_SIZE)
        parser.add_argument(
            "--no-copy",
            action="store_true",
            help="Render CSV in Python even on PostgreSQL (default there: COPY … TO STDOUT).",
        )
        parser.add_argument("--quiet-progress", action="store_true", help="No progress bar.")

    # long: a command's argument handling and streaming write, kept in the order an operator reads
    #   them
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            date_from = parse_bound(options["date_from"], end=False)
            date_to = parse_bound(options["date_to"], end=True)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if date_from and date_to and date_from >= date_to:
            raise CommandError("--from must be before --to.")
        output = Path(options["output"])
        manifest_path = output.with_name(output.name + export.MANIFEST_SUFFIX)
        for name in ("from_seq", "through_seq", "chunk_size"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be 1 or more.")
        export_range = export.resolve_range(
            fmt=options["format"],
            date_from=date_from,
            date_to=date_to,
            through_seq=options["through_seq"],
            from_seq=options["from_seq"],
        )
        total = (
            export_range.last_seq - export_range.first_seq + 1
            if export_range.first_seq is not None and export_range.last_seq is not None
            else 0
        )
        progress = None
        if not options["quiet_progress"] and total:
            progress = _ProgressBar(total, self.stderr)
        stats = export.ExportStats()
        partial = output.with_name(output.name + ".partial")
        # Written under another name and renamed at the end, so a crash never leaves a
        # file that looks complete.
        use_copy = (
            export_range.format == "csv"
            and connection.vendor == "postgresql"
            and not options["no_copy"]
        )
        # One read-only transaction: PostgreSQL then streams the server-side cursor instead
        # of materialising a WITH HOLD cursor, and every row comes from one snapshot.
        with partial.open("wb") as handle, transaction.atomic():
            if use_copy:
                export.copy_csv(export_range, handle, stats, progress=progress)
            else:
                rows = export.iter_events(export_range, chunk_size=options["chunk_size"])
                for chunk in export.render(rows, export_range.format, stats, progress=progress):
                    handle.write(chunk)
        os.replace(partial, output)
        if progress is not None:
            progress.finish()
        manifest = export.build_manifest(
            export_range, stats, file_name=output.name, created_at=timezone.now()
        )
        manifest_path.write_bytes(export.manifest_json(manifest))
        audit_export_record(
            system="export_audit_log",
            description=export_range.describe(),
            first_seq=stats.first_seq,
            last_seq=stats.last_seq,
            row_count=stats.row_count,
            file_sha256=manifest["file_sha256"],
        )
        self.stdout.write(
            f"Exported {stats.row_count} events (seq {stats.first_seq}…{stats.last_seq}) to "
            f"{output}; manifest {manifest_path} signed with key {manifest['key_id']}."
        )


class _ProgressBar:
    """A one-line bar on stderr, redrawn at most a few times a second."""

    def __init__(self, total: int, stream: Any):
        self.total = total
        self.stream = stream
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.drawn < 0.25 and done < self.total:
            return
        self.drawn = now
        share = min(1.0, done / self.total)
        rate = done / max(now - self.started, 1e-6)
        bar = "#" * int(share * 30)
        self.stream.write(
            f"\rexport [{bar:<30}] {done}/{self.total} rows {share:6.1%} {rate:,.0f} rows/s",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        self(self.total)
        elapsed = dt.timedelta(seconds=int(time.monotonic() - self.started))
        self.stream.write(f" in {elapsed}")
