"""Changing stored events as someone who owns the tables could, for the verifier's tests.
The append-only guard must already be lifted (the `guard_lifted` fixture)."""

from __future__ import annotations

from typing import Any

from django.db import connection

from audit import guards, seal
from audit.chain import canonical_bytes, event_fields
from audit.models import AuditEvent


def forge(seq: int, /, *, reseal: bool = True, **columns: Any) -> None:
    """Set `columns` of event `seq` (values as the database takes them).

    The seal refuses a row whose preimage is not its content, so on PostgreSQL it is
    dropped first. With `reseal` the forger then gives the row the preimage of its new
    content and puts the seal back over the table (PostgreSQL checks every row again), as
    a careful forger would: the verifier takes its sealed path and must still see the
    change. Without it the seal stays off (only in a test whose transaction is rolled
    back), and the verifier rebuilds every event from its columns."""
    guards.flush_deferred_checks(connection)
    seal.remove(connection)
    with connection.cursor() as cursor:
        for column, value in columns.items():
            cursor.execute(
                f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s",
                [value, seq],
            )
            if column == "seq":
                seq = value
        if reseal:
            event = AuditEvent.objects.get(seq=seq)
            cursor.execute(
                "UPDATE audit_auditevent SET preimage = %s WHERE seq = %s",
                [canonical_bytes(event_fields(event)), seq],
            )
    if reseal:
        seal.install(connection)
