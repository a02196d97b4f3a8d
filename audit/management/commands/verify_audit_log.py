"""`manage.py verify_audit_log [--from-seq N]`: recompute the hash chain, streaming.

Prints how many events were verified; exits 1 naming the first bad seq and what is wrong
(hash mismatch, broken link, gap, tail cut, bad checkpoint). On PostgreSQL it warns when
the seal (audit.seal) is not intact, which makes it check what the seal would vouch for
itself. The outcome is recorded (a VerificationRun and an `audit.verified` event) so the
audit page shows the last result; when the log refuses that event (its links refuse new
events after a tail was cut), the outcome is printed all the same, with why.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import VerificationRun
from audit.services import OutcomeNotRecorded, audit_log_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and its latest signed checkpoint."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from-seq", type=int, default=1, help="Start at this seq (default 1)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from_seq = options["from_seq"]
        if from_seq < 1:
            raise CommandError("--from-seq must be 1 or more.")
        try:
            run = audit_log_verify(
                from_seq=from_seq,
                system="verify_audit_log",
                # Long logs take a while: a line on stderr as each range is checked.
                progress=lambda count: self.stderr.write(f"… {count} events verified"),
            )
        except OutcomeNotRecorded as refused:
            self._report(refused.run)
            self.stderr.write(refused.message)
            raise SystemExit(1) from refused
        self._report(run)
        if not run.ok:
            raise SystemExit(1)

    def _report(self, run: VerificationRun) -> None:
        if run.seal_problem:
            self.stderr.write(
                f"Warning: the seal is not intact ({run.seal_problem}); every event was "
                "checked without relying on it (docs/audit-log.md, 'The seal')."
            )
        if run.ok:
            self.stdout.write(
                f"OK: verified {run.events_verified} events (seq {run.from_seq}…"
                f"{run.last_seq if run.last_seq is not None else '-'})."
            )
            return
        self.stderr.write(
            f"FAILED at seq {run.first_bad_seq}: {run.message} "
            f"(verified {run.events_verified} events before it)."
        )
