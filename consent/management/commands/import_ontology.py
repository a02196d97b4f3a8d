"""`manage.py import_ontology [PATH ...]` — load ontology releases.

Without a path: the built-in vocabulary (every current DUO term and a slice of DOID), then
every release file found in settings.ONTOLOGY_DIR (doid.obo.gz, mondo.obo[.gz], duo.owl).
With paths: exactly those files (OBO plain or gzip, DUO OWL or CSV). Idempotent: a second
run reports zero changes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from consent.audit_actions import ConsentAudit
from consent.ontology import ImportStats, default_paths, import_builtin, import_path
from consent.ontology_files import OntologyFileError


class Command(BaseCommand):
    help = "Import ontology release files (DOID/MONDO OBO, DUO OWL/CSV); idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "paths", nargs="*", help="release files; none = built-in + ONTOLOGY_DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        results: list[ImportStats] = []
        paths = [Path(p) for p in options["paths"]]
        if not paths:
            results.extend(import_builtin())
            paths = default_paths()
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file.")
            try:
                results.append(import_path(path))
            except OntologyFileError as exc:
                raise CommandError(str(exc)) from exc
        for stats in results:
            self.stdout.write(stats.summary())
            if stats.changed and not stats.skipped:
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        system="import_ontology",
                        action=ConsentAudit.ONTOLOGY_IMPORTED,
                        target=("ontology", stats.ontology),
                        data={
                            "source": stats.source,
                            "version": stats.version,
                            "terms": stats.terms,
                            "obsolete": stats.obsolete,
                            "is_a_links": stats.is_a_links,
                            "created": stats.created,
                            "updated": stats.updated,
                        },
                    )
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
