"""`manage.py seed_demo`: idempotent demo data. Refused when DEBUG is off, unless the
caller insists with --allow-production-data (which tests and benchmarks use)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dac_portal.demo import SEEDERS


class Command(BaseCommand):
    help = "Create the demo users, institutions, committee, datasets and requests (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (test and benchmark databases only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates accounts with a known password and is refused when DEBUG is off."
            )
        ctx: dict[str, Any] = {}
        with transaction.atomic():
            for module_name in SEEDERS:
                import_module(module_name).seed(ctx)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {len(ctx.get('users', {}))} demo users.")
        )
