"""`manage.py run_jobs [--at ISO-DATETIME] [--dry-run] [--job NAME]`

Runs every registered periodic job once, in this process, as of the given time (default:
now), then delivers the pending notifications synchronously, without a worker. Cron alone
can drive a small deployment with it (see docs/jobs-and-notifications.md). With `--dry-run`
each job reports what falls due and nothing is changed: the whole run happens in one
transaction that is rolled back, as a second guard behind the jobs' own dry-run handling.

Prints one JSON object per job, then a summary line. Exits 1 if any job failed (the other
jobs still run).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from dac_portal import jobs
from notifications.dispatch import deliver_in_process
from notifications.services import outbox_flush


class _DryRunRollback(Exception):
    pass


def parse_at(value: str) -> datetime:
    """An ISO 8601 date-time (a naive one is UTC) or a date (midnight UTC)."""
    parsed = parse_datetime(value)
    if parsed is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        parsed = datetime(day.year, day.month, day.day)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class Command(BaseCommand):
    help = "Run every periodic job once, in process, as of a time; then deliver notifications."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at",
            metavar="ISO-DATETIME",
            help="Run as of this time (e.g. 2027-01-31T09:00:00Z; a naive time is UTC).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what falls due; change nothing."
        )
        parser.add_argument(
            "--job",
            action="append",
            metavar="NAME",
            help="Run only this job (repeatable). Default: every registered job.",
        )
        parser.add_argument("--list", action="store_true", help="List the registered jobs.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in jobs.registered():
                self.stdout.write(f"{job.name}\t{job.schedule}\t{job.description}")
            return
        try:
            now = parse_at(options["at"]) if options["at"] is not None else timezone.now()
        except (ValueError, TypeError) as exc:
            raise CommandError(f"--at wants an ISO 8601 date-time, not {options['at']!r}") from exc
        try:
            selected = (
                [jobs.get(name) for name in options["job"]] if options["job"] else jobs.registered()
            )
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from exc
        dry_run: bool = options["dry_run"]

        if dry_run:
            try:
                with transaction.atomic():
                    failures = self._run(selected, now, dry_run=True)
                    raise _DryRunRollback
            except _DryRunRollback:
                pass
        else:
            with deliver_in_process():
                failures = self._run(selected, now, dry_run=False)
                # Deliver what the jobs queued (and anything left from before) right away.
                delivered = outbox_flush(now, dry_run=False)
            self._emit({"job": "deliver", "result": delivered})

        self._emit(
            {
                "at": now.isoformat(),
                "dry_run": dry_run,
                "jobs": len(selected),
                "failed": failures,
            }
        )
        if failures:
            raise CommandError(f"{len(failures)} job(s) failed: {', '.join(failures)}")

    def _run(self, selected: list[jobs.Job], now: datetime, *, dry_run: bool) -> list[str]:
        failures: list[str] = []
        for job in selected:
            try:
                # A savepoint per job in a dry run: one job's error does not poison the rest.
                if dry_run:
                    with transaction.atomic():
                        result = jobs.run(job.name, now=now, dry_run=True)
                else:
                    result = jobs.run(job.name, now=now, dry_run=False)
            except Exception as exc:
                failures.append(job.name)
                self._emit({"job": job.name, "error": f"{type(exc).__name__}: {exc}"}, err=True)
                continue
            self._emit({"job": job.name, "dry_run": dry_run, "result": result})
        return failures

    def _emit(self, payload: dict[str, Any], *, err: bool = False) -> None:
        line = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True)
        (self.stderr if err else self.stdout).write(line)
