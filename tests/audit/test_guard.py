"""The database itself refuses to change or remove audit events."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _execute(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_raw_sql_update_of_an_event_is_refused() -> None:
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    with pytest.raises(DatabaseError, match="append-only"):
        _execute("UPDATE audit_auditevent SET action = %s WHERE seq = %s", ["x.y", event.seq])
    event.refresh_from_db()
    assert event.action != "x.y"


def test_raw_sql_delete_of_an_event_is_refused() -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"):
        _execute("DELETE FROM audit_auditevent WHERE seq = 1")
    with pytest.raises(DatabaseError, match="append-only"):
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
    with pytest.raises(DatabaseError, match="append-only"):
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
