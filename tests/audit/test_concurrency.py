"""Eight writers at once on PostgreSQL, each append in its own transaction on its own
connection: consecutive seq numbers, no gap, no duplicate, and a chain that verifies."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from audit.models import AuditEvent, ChainHead
from audit.services import audit_record
from audit.verify import verify_log
from notifications.audit_actions import NotificationAudit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WRITERS = 8
APPENDS_EACH = 25


def test_eight_concurrent_writers_produce_a_gapless_valid_chain(require_postgres) -> None:
    start = ChainHead.objects.get(pk=1).seq
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(APPENDS_EACH):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        system=f"writer-{number}",
                        action=NotificationAudit.NOTIFICATION_SENT,
                        target=("notification", f"W{number}-{i}"),
                        data={"writer": number, "i": i},
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    seqs = list(AuditEvent.objects.filter(seq__gt=start).values_list("seq", flat=True))
    assert seqs == list(range(start + 1, start + WRITERS * APPENDS_EACH + 1))
    per_writer = {
        label: AuditEvent.objects.filter(actor_label=label).count()
        for label in (f"system:writer-{n}" for n in range(WRITERS))
    }
    assert set(per_writer.values()) == {APPENDS_EACH}
    result = verify_log()
    assert result.ok, result.problem
    assert result.events_verified == start + WRITERS * APPENDS_EACH
    assert connection.vendor == "postgresql"


def test_a_writer_that_rolls_back_while_others_append_leaves_no_hole(require_postgres) -> None:
    start = ChainHead.objects.get(pk=1).seq
    holding = threading.Event()
    release = threading.Event()

    def doomed() -> None:
        try:
            with transaction.atomic():
                audit_record(
                    actor=None, system="doomed", action=NotificationAudit.NOTIFICATION_SENT
                )
                holding.set()
                release.wait(timeout=30)
                raise RuntimeError("fail after the audit write")
        except RuntimeError:
            pass
        finally:
            connections.close_all()

    def other() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=None, system="other", action=NotificationAudit.NOTIFICATION_SENT)
        finally:
            connections.close_all()

    first = threading.Thread(target=doomed)
    first.start()
    assert holding.wait(timeout=30)
    second = threading.Thread(target=other)
    second.start()  # waits on the chain head lock held by the doomed transaction
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    events = list(AuditEvent.objects.filter(seq__gt=start).values_list("seq", "actor_label"))
    assert events == [(start + 1, "system:other")]
    assert verify_log().ok
