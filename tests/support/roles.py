"""The suite acting as the portal's database role (dac_portal.settings.test,
TEST_ACT_AS_ROLE): once the test databases are created and migrated by the owner, every
new connection runs `SET ROLE <portal role>`, so each privilege check in the tests (the
audit guard's above all) is the deployed one. `as_owner` switches back to the owner for
what only the owner may do: emptying the database between transactional tests, and the
tests that tamper with the audit log on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections

from audit.db_roles import identifier

_acting = False


def role() -> str:
    return str(getattr(settings, "TEST_ACT_AS_ROLE", ""))


def start_acting() -> None:
    """From now on, connections act as the portal's role (a no-op without one)."""
    global _acting
    _acting = bool(role())
    connections.close_all()


def stop_acting() -> None:
    """Back to the owner for new connections (to drop the test databases)."""
    global _acting
    _acting = False
    connections.close_all()


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _acting and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {identifier(role())}")


@contextmanager
def as_owner(connection: Any) -> Iterator[None]:
    """The block runs as the login role (the owner), then the connection acts as the
    portal's role again. Without a role to act as, the block runs as it is."""
    if not _acting or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {identifier(role())}")
