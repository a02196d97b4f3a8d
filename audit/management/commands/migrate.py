"""`manage.py migrate`, run as the owner role when MIGRATION_DATABASE_URL is set, which
then grants the portal's role (DATABASE_URL's) its rights on the tables as they now are
(audit.db_roles, docs/adr/0009).

The default connection itself is reconnected as the owner, rather than a second alias
used: migrations' RunPython code and the post-migrate signals write through the default
alias, and all of it must run as the owner.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from audit import db_roles


class Command(migrate.Command):
    help = (
        f"{migrate.Command.help} With MIGRATION_DATABASE_URL set, connects as that role and "
        "then grants DATABASE_URL's role its rights (setup_db_roles)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if options["database"] != DEFAULT_DB_ALIAS:
            super().handle(*args, **options)
            return
        with db_roles.connected_as_owner(connection) as as_owner:
            super().handle(*args, **options)
            if not as_owner or options["plan"] or options["check_unapplied"]:
                return
            app_role, owner_role = settings.DATABASE_APP_ROLE, db_roles.owner_role()
            if not app_role or app_role == owner_role:
                self.stdout.write(
                    "No grants: DATABASE_URL and MIGRATION_DATABASE_URL name the same role."
                )
                return
            db_roles.apply_grants(connection, app_role=app_role, owner_role=owner_role)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Granted {app_role} its rights on {owner_role}'s tables.")
