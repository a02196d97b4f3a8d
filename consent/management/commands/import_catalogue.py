"""`manage.py import_catalogue FILE [--dry-run] [--skip-bad] [--actor USERNAME]`.

Checks the whole file first and reports each row: create, change (which fields), unchanged,
or refused with every reason. A file with refused rows imports nothing (exit 1) unless
`--skip-bad` is given on purpose; `--dry-run` only reports. Then one transaction, audited per
object, as USERNAME (a steward of every committee the file touches). docs/catalogue.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from consent.bulk_import import Row, catalogue_import, plan
from dac_portal.errors import ApplicationError


def _line(row: Row) -> str:
    accession = row.values.get("accession") or "?"
    if row.action == "refused":
        return f"row {row.number} ({accession}): refused — " + "; ".join(row.problems)
    if row.action == "change":
        return f"row {row.number} ({accession}): change {', '.join(row.changed)}"
    return f"row {row.number} ({accession}): {row.action}"


class Command(BaseCommand):
    help = "Import studies, datasets and their consent from a CSV or JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="report only; write nothing")
        parser.add_argument("--skip-bad", action="store_true", help="import the good rows")
        parser.add_argument("--actor", help="the steward the import is recorded as")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows, catalogue = plan(path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        actor = self._actor(options)
        shown = {"refused"} if options["verbosity"] < 1 else {"refused", "create", "change"}
        if options["verbosity"] > 1:
            shown.add("unchanged")
        for row in rows.where(shown):
            self.stdout.write(_line(row))
        # The plan is compact (a few bytes a row): count it, rather than list its rows.
        refused = rows.count("refused")
        counts = {a: rows.count(a) for a in ("create", "change", "unchanged")}
        summary = ", ".join(f"{n} {a}" for a, n in counts.items()) + f", {refused} refused"
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {summary}. Nothing written.")
            return
        if refused and not options["skip_bad"]:
            self.stderr.write(f"Nothing imported: {summary}. Fix the refused rows, or --skip-bad.")
            raise SystemExit(1)
        try:
            catalogue_import(rows=rows, catalogue=catalogue, actor=actor)  # type: ignore[arg-type]
        except ApplicationError as exc:  # not a steward; or the file changed since its check
            raise CommandError(exc.message) from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:  # it is read a second time
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        self.stdout.write(f"Imported: {summary}.")

    def _actor(self, options: dict[str, Any]) -> User | None:
        if not options["actor"]:
            if options["dry_run"]:
                return None
            raise CommandError("Name the steward the import is recorded as: --actor USERNAME.")
        user = User.objects.filter(username=options["actor"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        return user
