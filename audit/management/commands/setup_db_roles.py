"""`manage.py setup_db_roles [--app-role R] [--owner-role R] [--apply] [--check]`: the
rights of the portal's database role (docs/adr/0009, docs/operations.md "Database roles").

Prints the idempotent GRANT script (the roles themselves are created by whoever
administers the server); `--apply` runs it as the owner role (MIGRATION_DATABASE_URL),
which `manage.py migrate` also does after every migration; `--check` connects and exits 1
if the portal's role could lift the audit guard (superuser, owner of a table, rights on
the audit tables beyond appending).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from audit import db_roles


class Command(BaseCommand):
    help = "Print, apply or check the database rights of the portal's role (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--app-role",
            default=settings.DATABASE_APP_ROLE,
            help="The role the portal connects as (default: DATABASE_URL's user).",
        )
        parser.add_argument(
            "--owner-role",
            default=db_roles.owner_role(),
            help="The role that owns the tables and runs migrations "
            "(default: MIGRATION_DATABASE_URL's user).",
        )
        parser.add_argument(
            "--db-name",
            help="The database named in the printed script (default: DATABASE_URL's on "
            "PostgreSQL, else portal).",
        )
        parser.add_argument(
            "--apply", action="store_true", help="Run the script as the owner role."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit 1 if the portal's role holds more than the script gives it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        app_role, owner_role = options["app_role"], options["owner_role"]
        if not app_role or not owner_role:
            raise CommandError("Name both roles (--app-role, --owner-role).")
        if app_role == owner_role:
            raise CommandError(
                f"The portal's role and the owner are both {app_role}: set DATABASE_URL to "
                "a role that owns nothing and MIGRATION_DATABASE_URL to the owner."
            )
        connection = connections[DEFAULT_DB_ALIAS]
        if not (options["apply"] or options["check"]):
            database = options["db_name"] or (
                connection.settings_dict["NAME"] if connection.vendor == "postgresql" else ""
            )
            self.stdout.write("BEGIN;")
            for sql in db_roles.grant_statements(
                app_role=app_role, owner_role=owner_role, database=database or "portal"
            ):
                self.stdout.write(f"{sql};")
            self.stdout.write("COMMIT;")
            return
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only.")
        if options["apply"]:
            with db_roles.connected_as_owner(connection):
                db_roles.apply_grants(connection, app_role=app_role, owner_role=owner_role)
            self.stdout.write(f"Granted {app_role} its rights on {owner_role}'s tables.")
        found = db_roles.problems(connection, app_role=app_role)
        for problem in found:
            self.stderr.write(f"PROBLEM: {problem}")
        if found:
            raise SystemExit(1)
        self.stdout.write(f"OK: {app_role} cannot lift the audit guard.")
