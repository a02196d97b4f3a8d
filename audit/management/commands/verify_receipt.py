"""`manage.py verify_receipt FILE [--public-key PEM] [--later-head HEAD --consistency PROOF]`.

Offline: needs no database. Checks a decision receipt the way `audit/offline_verifier.py
receipt` does (the same functions): the event's hash, its inclusion proof, the tree head's
signature; with a later tree head and the consistency proof to it, that the log still
holds the event. The head is checked against the given public key, or else against the
audit key the head names among those this portal trusts (the current one and the retired
ones in AUDIT_VERIFY_KEYS).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit import keys
from audit.offline_verifier import receipt_check, receipt_summary


def _json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc


def _key_for(receipt: Any, public_key: str | None) -> bytes:
    if public_key:
        try:
            return Path(public_key).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read the public key: {exc}") from exc
    head = receipt.get("tree_head") if isinstance(receipt, dict) else None
    claimed = head.get("key_id") if isinstance(head, dict) else None
    trusted = keys.trusted_public_keys()
    if claimed not in trusted:
        raise CommandError(
            f"The receipt's tree head names key {claimed!r}, which this portal does not "
            "trust; pass the log's public key with --public-key."
        )
    return keys.public_pem(trusted[claimed]).encode("ascii")


class Command(BaseCommand):
    help = "Verify a decision receipt (and, optionally, that a later tree head still holds it)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--public-key", help="the log's public key (PEM)")
        parser.add_argument("--later-head", help="a later signed tree head (JSON)")
        parser.add_argument("--consistency", help="the consistency proof to it (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["later_head"]) != bool(options["consistency"]):
            raise CommandError("--later-head and --consistency go together.")
        receipt = _json(options["file"])
        key = _key_for(receipt, options["public_key"])
        later = None
        if options["later_head"]:
            later = (_json(options["later_head"]), _json(options["consistency"]))
        problems = receipt_check(receipt, key, later)
        if problems:
            for problem in problems:
                self.stderr.write(f"INVALID: {problem}")
            raise SystemExit(1)
        self.stdout.write(f"OK: the receipt verifies. {receipt_summary(receipt)}")
        if later is not None:
            self.stdout.write(
                f"OK: the tree of {later[0]['tree_size']} events still holds it "
                "(consistency proof verified)."
            )
