"""`manage.py verify_audit_export FILE [--public-key PEM_FILE] [--manifest PATH]`.

Offline: needs no database. Checks the manifest's Ed25519 signature (by a trusted audit
key, or by the given public key alone), the file's SHA-256 and the chain inside the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit import export


class Command(BaseCommand):
    help = "Verify an audit export and its signed manifest, offline."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--manifest", help="Default: FILE.manifest.json")
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            help="PEM public key to trust instead of the configured audit keys (repeatable).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            pems = [Path(p).read_bytes() for p in options["public_key"]]
        except OSError as exc:
            raise CommandError(f"Cannot read the public key: {exc}") from exc
        manifest_path = Path(options["manifest"]) if options["manifest"] else None
        try:
            manifest = export.verify_export(
                path, manifest_path=manifest_path, public_key_pems=pems or None
            )
        except ValueError as exc:  # a PEM that is not an Ed25519 public key
            raise CommandError(str(exc)) from exc
        except export.ExportInvalid as exc:
            where = f" at seq {exc.seq}" if exc.seq is not None else ""
            self.stderr.write(f"INVALID{where}: {exc}")
            raise SystemExit(1) from None
        self.stdout.write(
            f"OK: {manifest['row_count']} events (seq {manifest['first_seq']}…"
            f"{manifest['last_seq']}), file SHA-256 and chain verified, signed by key "
            f"{manifest['key_id']}."
        )
