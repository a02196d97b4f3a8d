"""For the verifier's tests: appending events to change, changing stored events as someone
who owns the tables could (the append-only guard must already be lifted: the
`guard_lifted` fixture), and the run a verification records when the seal was off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit import guards, seal
from audit.chain import canonical_bytes, event_fields
from audit.models import AuditEvent, VerificationRun
from audit.services import audit_record
from notifications.audit_actions import NotificationAudit

SEAL_MISSING = "the constraint audit_event_sealed is missing"


def append_events(n: int, *, system: str, **data: Any) -> list[AuditEvent]:
    """`n` events, each in its own transaction, with JSON-escaped and non-ASCII text in
    their data; `data` adds to it or replaces it."""
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=None,
                    system=system,
                    action=NotificationAudit.NOTIFICATION_SENT,
                    target=("notification", f"N-{i}"),
                    data={"i": i, "text": 'héllo "quoted"', **data},
                )
            )
    return events


def record_a_run_without_the_seal() -> VerificationRun:
    """A verification that passed after rebuilding every event, the seal being missing."""
    now = timezone.now()
    return VerificationRun.objects.create(
        started_at=now,
        finished_at=now,
        outcome=VerificationRun.Outcome.OK,
        events_verified=120,
        last_seq=120,
        seal_problem=SEAL_MISSING,
        actor_label="system:verify_audit_log",
    )


@contextmanager
def links_lifted(*, relink: bool = True) -> Iterator[None]:
    """As an owner may on PostgreSQL: the links (the seal's foreign key) are dropped while
    events are removed or rewritten, and with `relink` added back afterwards, when the
    database checks every link again (and refuses a broken one)."""
    guards.flush_deferred_checks(connection)
    seal.remove_links(connection)
    yield
    if relink:
        guards.flush_deferred_checks(connection)
        seal.install_links(connection)


def forge(seq: int, /, *, reseal: bool = True, relink: bool | None = None, **columns: Any) -> None:
    """Set `columns` of event `seq` (values as the database takes them).

    The seal refuses a row whose preimage is not its content, or whose links are broken,
    so on PostgreSQL it is dropped first. With `reseal` the forger then gives the row the
    preimage of its new content and puts the seal back over the table (PostgreSQL checks
    every row again), as a careful forger would: the verifier relies on the seal and must
    still see the change. `relink=False` puts back only the seal's check, for a change
    the links would refuse (a hash, a prev_hash or a seq): the verifier then compares each
    event with the one before itself. Without `reseal` the seal stays off (only in a test
    whose transaction is rolled back), and the verifier rebuilds every event from its
    columns."""
    relink = reseal if relink is None else relink
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
    if reseal and relink:
        seal.install(connection)
    elif reseal:
        seal.install_check(connection)
