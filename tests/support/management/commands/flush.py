"""Test-only `flush`: transactional tests empty the database between tests, which the
append-only audit tables refuse. This lifts the guard for the flush (as the tables' owner
may: the suite may be acting as the portal's role, so it switches back to the owner),
puts it back, and re-creates the audit chain head row that migrations made.

On PostgreSQL the database is put back as the session's seed left it, from the copy taken
then (tests/support/snapshot.py), which is much faster than seeding again."""

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from audit import guards
from tests.support import snapshot
from tests.support.roles import as_owner


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        if snapshot.restore(connection):
            return
        with as_owner(connection):
            guards.lift(connection)
            try:
                super().handle(**options)
            finally:
                guards.restore(connection)
            from audit.models import ChainHead

            ChainHead.objects.using(options["database"]).get_or_create(pk=1)
        # Put the demo data back: with pytest-xdist a worker may run ordinary (rolled-back)
        # tests after a transactional one, and they all rely on the seed.
        from django.core.management import call_command

        call_command("seed_demo", "--allow-without-debug", verbosity=0)
