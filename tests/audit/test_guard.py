"""The database itself refuses to change or remove audit events, and moves the chain head
only forward onto an appended event."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from agreements.audit_actions import AgreementAudit
from audit.models import AuditEvent, ChainHead
from audit.services import audit_record, audit_record_many
from notifications.audit_actions import NotificationAudit
from tests.support.roles import as_owner

pytestmark = pytest.mark.django_db

# Acting as the portal's role (as in CI), a change of an event is refused by the missing
# right before any trigger runs; as the owner or a superuser, by the trigger. Both count.
REFUSED = r"append-only|permission denied"


def _execute(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_raw_sql_update_of_an_event_is_refused() -> None:
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    with pytest.raises(DatabaseError, match=REFUSED):
        _execute("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["x.y", event.seq])
    event.refresh_from_db()
    assert event.action != "x.y"


def test_raw_sql_delete_of_an_event_is_refused() -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match=REFUSED):
        _execute("DELETE FROM audit_auditevent WHERE seq = 1")
    with pytest.raises(DatabaseError, match=REFUSED):
        _execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == count


def test_the_orm_cannot_delete_or_update_events_either() -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(data={"forged": True})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert AuditEvent.objects.get(seq=1).data != {"forged": True}


def test_truncate_is_refused_on_postgresql(require_postgres: None) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match=REFUSED):
        _execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == count


def test_the_admin_offers_no_add_change_or_delete(admin_user: object, rf: object) -> None:
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/admin/")  # type: ignore[attr-defined]
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


# -- the chain head: forward only, onto the event just appended ------------------------------


def _head() -> tuple[int, str]:
    head = ChainHead.objects.get(pk=1)
    return head.seq, head.hash


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        pytest.param("UPDATE audit_chainhead SET seq = seq + 5", [], id="skip_ahead"),
        pytest.param("UPDATE audit_chainhead SET seq = seq + 1", [], id="step_without_event"),
        pytest.param("UPDATE audit_chainhead SET hash = 'x'", [], id="forged_hash"),
        pytest.param("UPDATE audit_chainhead SET seq = seq - 1", [], id="rewind"),
        pytest.param("UPDATE audit_chainhead SET seq = 0, hash = %s", ["0" * 64], id="reset"),
        pytest.param("UPDATE audit_chainhead SET seq = seq", [], id="same_seq"),
    ],
)
def test_raw_sql_that_does_not_move_the_head_onto_a_new_event_is_refused(
    sql: str, params: list
) -> None:
    """The portal's role may UPDATE the head (appends move it): the trigger refuses."""
    before = _head()
    with pytest.raises(DatabaseError, match="only moves forward"):
        _execute(sql, params)
    assert _head() == before


def test_raw_sql_delete_of_the_head_is_refused() -> None:
    before = _head()
    with pytest.raises(DatabaseError, match=r"only moves forward|permission denied"):
        _execute("DELETE FROM audit_chainhead")
    assert _head() == before


def test_the_triggers_refuse_the_tables_owner_too() -> None:
    """Defence in depth: as the owner (or a superuser, or on SQLite) the rights allow the
    change, and the triggers refuse it."""
    before = _head()
    with as_owner(connection):
        with pytest.raises(DatabaseError, match="append-only"):
            _execute("UPDATE audit_auditevent SET action = 'x.y' WHERE seq = 1")
        with pytest.raises(DatabaseError, match="append-only"):
            _execute("DELETE FROM audit_auditevent WHERE seq = 1")
        with pytest.raises(DatabaseError, match="only moves forward"):
            _execute("DELETE FROM audit_chainhead")
        with pytest.raises(DatabaseError, match="only moves forward"):
            _execute("UPDATE audit_chainhead SET seq = seq + 5")
        if connection.vendor == "postgresql":
            with pytest.raises(DatabaseError, match="append-only"):
                _execute("TRUNCATE audit_auditevent")
            with pytest.raises(DatabaseError, match="only moves forward"):
                _execute("TRUNCATE audit_chainhead")
    assert _head() == before


def test_the_head_cannot_be_rewound_onto_an_earlier_event() -> None:
    """An earlier event exists with that seq and hash: rewinding to it (hiding a cut tail)
    is still refused, as the head only moves forward."""
    with transaction.atomic():
        audit_record(actor=None, system="t", action=NotificationAudit.NOTIFICATION_SENT)
    before = _head()
    earlier = AuditEvent.objects.get(seq=before[0] - 1)
    with pytest.raises(DatabaseError, match="only moves forward"):
        _execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1",
            [earlier.seq, earlier.hash],
        )
    assert _head() == before


def test_the_head_cannot_be_moved_onto_a_seq_with_another_hash() -> None:
    with transaction.atomic():
        audit_record(actor=None, system="t", action=NotificationAudit.NOTIFICATION_SENT)
    seq, _hash = _head()
    with pytest.raises(DatabaseError, match="only moves forward"):
        _execute("UPDATE audit_chainhead SET seq = %s, hash = %s", [seq + 1, "f" * 64])


def test_single_and_many_appends_still_move_the_head() -> None:
    start, _hash = _head()
    with transaction.atomic():
        event = audit_record(actor=None, system="t", action=NotificationAudit.NOTIFICATION_SENT)
    assert _head() == (start + 1, event.hash)
    with transaction.atomic():
        audit_record_many(
            actor=None,
            system="sweep",
            action=AgreementAudit.GRANT_EXPIRED,
            items=[(("grant", f"G-{i}"), {"i": i}) for i in range(3)],
        )
    last = AuditEvent.objects.get(seq=start + 4)
    assert _head() == (start + 4, last.hash)


def test_a_second_head_row_is_refused() -> None:
    """By the missing INSERT right as the portal's role; by the check constraint id = 1
    as the owner."""
    with pytest.raises(DatabaseError), transaction.atomic():
        ChainHead.objects.create(pk=2)
    with as_owner(connection), pytest.raises(IntegrityError), transaction.atomic():
        ChainHead.objects.create(pk=2)


def test_truncate_of_the_head_is_refused_on_postgresql(require_postgres: None) -> None:
    before = _head()
    with pytest.raises(DatabaseError, match=r"only moves forward|permission denied"):
        _execute("TRUNCATE audit_chainhead")
    assert _head() == before
