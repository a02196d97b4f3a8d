"""The chain rebuilt in SQL (audit.sql) is the chain of audit.chain, byte for byte: the
canonical text and hash PostgreSQL computes for arbitrary events equal Python's, and
events appended in one SQL statement verify in Python and in SQL alike."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import types
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.audit_actions import AgreementAudit
from audit import registry
from audit import sql as chain_sql
from audit.audit_actions import LogAudit
from audit.chain import (
    ChainVerifier,
    canonical_bytes,
    canonical_data,
    compute_hash,
    event_fields,
    format_time,
    normalise_data,
)
from audit.models import GENESIS_HASH, AuditEvent, ChainHead
from audit.services import audit_record, audit_record_many
from audit.verify import verify_log
from dac_portal import request_context
from notifications.audit_actions import NotificationAudit
from tests.audit.strategies import JSON_DATA, TEXT, TIMES, text_of_at_most

pytestmark = pytest.mark.django_db

EVENTS = st.fixed_dictionaries(
    {
        "action": TEXT,
        "actor_id": st.none() | st.integers(1, 2**62),
        "actor_label": TEXT,
        "client_ip": st.none() | TEXT,
        "data": JSON_DATA,
        "object_id": TEXT,
        "object_type": TEXT,
        "occurred_at": TIMES,
        "prev_hash": st.just(GENESIS_HASH)
        | st.text("0123456789abcdef", min_size=64, max_size=64)
        # A tampered prev_hash can hold anything.
        | TEXT,
        "request_id": TEXT,
        "seq": st.integers(1, 2**62),
    }
)

_ROW = (
    "SELECT %s::text AS action, %s::bigint AS actor_id, %s::text AS actor_label, "
    "%s::text AS client_ip, %s::text AS data_canonical, %s::text AS object_id, "
    "%s::text AS object_type, %s::timestamptz AS occurred_at, %s::text AS prev_hash, "
    "%s::text AS request_id, %s::bigint AS seq"
)


def _in_sql(event: dict[str, Any]) -> tuple[str, str, str]:
    params = [
        event["action"],
        event["actor_id"],
        event["actor_label"],
        event["client_ip"],
        canonical_data(normalise_data(event["data"])),
        event["object_id"],
        event["object_type"],
        event["occurred_at"],
        event["prev_hash"],
        event["request_id"],
        event["seq"],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {chain_sql.CANONICAL_TEXT}, {chain_sql.CANONICAL_TEXT_ESCAPED}, "
            f"{chain_sql.DIGEST} FROM ({_ROW}) AS e",
            params,
        )
        return cursor.fetchone()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(event=EVENTS)
def test_sql_canonical_text_and_hash_equal_python_for_arbitrary_events(
    require_postgres: None, event: dict[str, Any]
) -> None:
    fields = {
        **event,
        "data": normalise_data(event["data"]),
        "occurred_at": format_time(event["occurred_at"]),
    }
    fast, escaped, digest = _in_sql(event)
    expected = canonical_bytes(fields)
    assert fast.encode("utf-8") == expected
    assert escaped.encode("utf-8") == expected
    assert digest == compute_hash(fields)


def test_sql_text_of_characters_json_must_escape(require_postgres: None) -> None:
    """The slow path, spelled out: quotes, backslashes, every control character, DEL and
    the line separators that Python leaves alone."""
    awkward = "".join(chr(c) for c in range(1, 32)) + '"\\/\x7f\u2028\u2029é😀'
    event = {
        "action": awkward,
        "actor_id": None,
        "actor_label": awkward,
        "client_ip": awkward,
        "data": {awkward: [awkward, {"": None}]},
        "object_id": awkward,
        "object_type": awkward,
        "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "prev_hash": awkward,
        "request_id": awkward,
        "seq": 1,
    }
    fields = {**event, "occurred_at": "2026-01-01T00:00:00.000000Z"}
    fast, escaped, digest = _in_sql(event)
    assert fast.encode() == escaped.encode() == canonical_bytes(fields)
    assert digest == compute_hash(fields)
    assert "\\u001f" in fast and "\\n" in fast and "\u2028" in fast


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    # (A checkpoint's data must be a signed checkpoint: not arbitrary.)
    action=st.sampled_from(sorted(set(registry.registered()) - {LogAudit.AUDIT_CHECKPOINT})),
    # Within the columns' lengths (PostgreSQL enforces them).
    system=text_of_at_most(100),
    target=st.none() | st.tuples(text_of_at_most(64), text_of_at_most(128)),
    data=JSON_DATA,
    client_ip=st.none() | text_of_at_most(45).filter(bool),
    request_id=st.none() | text_of_at_most(64),
)
def test_appended_events_hash_as_python_says_and_verify(
    action: str,
    system: str,
    target: tuple[str, str] | None,
    data: dict[str, Any],
    client_ip: str | None,
    request_id: str | None,
) -> None:
    """Whatever an event holds, the appender (SQL on PostgreSQL, Python on SQLite) stores
    the hash Python computes from the stored columns, and the verifier agrees."""
    token = request_context.bind(request_id=request_id, client_ip=client_ip)
    try:
        with transaction.atomic():
            event = audit_record(
                actor=None, system=system or "job", action=action, target=target, data=data
            )
    finally:
        request_context.reset(token)
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (stored.hash, stored.prev_hash, stored.occurred_at) == (
        event.hash,
        event.prev_hash,
        event.occurred_at,
    )
    assert stored.hash == compute_hash(event_fields(stored))
    assert stored.data_canonical == canonical_data(normalise_data(data))
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    result = verify_log(from_seq=event.seq)
    assert result.ok and result.events_verified == 1, result.problem


def test_one_statement_appends_follow_each_other_in_seq_and_time() -> None:
    events = []
    for i in range(5):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=None,
                    system="t",
                    action=NotificationAudit.NOTIFICATION_SENT,
                    data={"i": i},
                )
            )
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 5))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert all(a.occurred_at <= b.occurred_at for a, b in itertools.pairwise(events))
    verifier = ChainVerifier(first_seq=events[0].seq, expected_prev_hash=events[0].prev_hash)
    for event in AuditEvent.objects.filter(seq__gte=events[0].seq).order_by("seq"):
        assert verifier.feed(event_fields(event), event.hash) is None


def test_many_events_in_one_call_store_their_canonical_data_and_verify() -> None:
    start = ChainHead.objects.get(pk=1).seq
    with transaction.atomic():
        count = audit_record_many(
            actor=None,
            system="sweep",
            action=AgreementAudit.GRANT_EXPIRED,
            items=[(("grant", f"G-{i}"), {"i": i, "note": 'quote " and \\ é'}) for i in range(7)],
        )
    assert count == 7
    rows = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [r.data_canonical for r in rows] == [
        canonical_data({"i": i, "note": 'quote " and \\ é'}) for i in range(7)
    ]
    result = verify_log(from_seq=start + 1)
    assert result.ok and result.events_verified == 7, result.problem


def test_the_migrations_fill_data_canonical_and_the_preimage_of_existing_rows(
    seal_broken: None,
) -> None:
    """Rows written before data_canonical and the preimage existed get them from their
    columns; the seal then goes back on over them, and they verify against it."""
    with transaction.atomic():
        audit_record(
            actor=None,
            system="old",
            action=NotificationAudit.NOTIFICATION_SENT,
            data={"b": 1, "a": [2]},
        )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data_canonical = '{}', preimage = NULL")
    assert not verify_log().ok
    editor = types.SimpleNamespace(connection=connection)
    importlib.import_module("audit.migrations.0004_data_canonical").backfill(None, editor)
    importlib.import_module("audit.migrations.0008_sealed_preimage").backfill_and_seal(None, editor)
    if connection.vendor == "postgresql":  # migration 0009 then adds the links
        with connection.cursor() as cursor:
            cursor.execute(chain_sql.ADD_LINKS)
    result = verify_log()
    assert result.ok, result.problem
    assert result.sealed == (connection.vendor == "postgresql")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.data_canonical == '{"a":[2],"b":1}'
    assert bytes(event.preimage) == canonical_bytes(event_fields(event))


@pytest.mark.django_db(transaction=True)
def test_the_prepared_append_survives_rollbacks_and_reconnects(require_postgres: None) -> None:
    """APPEND is prepared once per database session: a rolled-back transaction keeps it, a
    new connection prepares it again."""

    class Boom(Exception):
        pass

    def append(label: str) -> AuditEvent:
        return audit_record(actor=None, system=label, action=NotificationAudit.NOTIFICATION_SENT)

    connection.close()
    with pytest.raises(Boom), transaction.atomic():
        append("doomed")
        raise Boom
    with transaction.atomic():
        first = append("first")
    connection.close()
    with transaction.atomic():
        second = append("second")
    assert (second.seq, second.prev_hash) == (first.seq + 1, first.hash)
    assert not AuditEvent.objects.filter(actor_label="system:doomed").exists()
    assert verify_log().ok


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    items=st.lists(
        st.tuples(text_of_at_most(20), text_of_at_most(40), JSON_DATA), min_size=1, max_size=4
    ),
    request_id=text_of_at_most(20),
)
def test_a_batch_of_arbitrary_events_is_stored_as_given_and_verifies(
    items: list[tuple[str, str, dict[str, Any]]], request_id: str
) -> None:
    """Whatever the targets and data hold (quotes, backslashes, control and non-BMP
    characters), the batch writer stores them as given, and the chain verifies."""
    start = ChainHead.objects.get(pk=1).seq
    token = request_context.bind(client_ip=None, request_id=request_id)
    try:
        with transaction.atomic():
            audit_record_many(
                actor=None,
                system="sweep",
                action=AgreementAudit.GRANT_EXPIRED,
                items=[((kind, ident), data) for kind, ident, data in items],
            )
    finally:
        request_context.reset(token)
    rows = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [(r.object_type, r.object_id, r.data, r.request_id) for r in rows] == [
        (kind, ident, normalise_data(data), request_id) for kind, ident, data in items
    ]
    result = verify_log(from_seq=start + 1)
    assert result.ok and result.events_verified == len(items), result.problem
