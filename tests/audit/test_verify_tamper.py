"""Whatever column of an event is changed behind the guard's back, the verifier (SQL on
PostgreSQL, Python on SQLite) fails at that event's seq and says what is wrong, however
much of the seal was put back over the change; and the verification split into ranges
(and, with the whole seal intact, between parallel workers) finds the same first bad seq
as one pass."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import nullcontext
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import sql as chain_sql
from audit import verify
from audit.chain import compute_hash, event_fields
from audit.models import AuditEvent, ChainHead
from audit.verify import verify_log
from tests.audit.tampering import append_events, forge, links_lifted

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[AuditEvent]:
    return append_events(n, system="tamper-test")


def _update(
    column: str, value: Any, seq: int, *, reseal: bool = True, relink: bool | None = None
) -> None:
    forge(seq, reseal=reseal, relink=relink, **{column: value})


def _later(event: AuditEvent) -> Any:
    return connection.ops.adapt_datetimefield_value(
        event.occurred_at + dt.timedelta(microseconds=1)
    )


# (column, the forged value from the event and another user's pk)
FORGERIES = [
    pytest.param("action", lambda e, other: "user.logout", id="action"),
    pytest.param("actor_id", lambda e, other: other, id="actor_id"),
    pytest.param("actor_label", lambda e, other: "mallory", id="actor_label"),
    # Characters JSON must escape take the SQL verifier's slower path.
    pytest.param("actor_label", lambda e, other: 'mal"lory\n', id="actor_label_escaped"),
    pytest.param("object_type", lambda e, other: "forged", id="object_type"),
    pytest.param("object_id", lambda e, other: "N-999", id="object_id"),
    pytest.param("data", lambda e, other: json.dumps({"i": 999}), id="data"),
    pytest.param("data_canonical", lambda e, other: '{"i":999}', id="data_canonical"),
    pytest.param("occurred_at", lambda e, other: _later(e), id="occurred_at"),
    pytest.param("client_ip", lambda e, other: "10.6.6.6", id="client_ip"),
    pytest.param("request_id", lambda e, other: "forged-request", id="request_id"),
    pytest.param("hash", lambda e, other: "0" * 64, id="hash"),
]


# Data that no longer equals data_canonical cannot be sealed again: the database refuses
# it (test_seal.py), so those two forgeries leave the seal off. A changed hash no longer
# matches the next event's link, which the links refuse: only the seal's check goes back.
_UNSEALABLE = {"data", "data_canonical"}
_UNLINKABLE = {"hash"}
# What the Hypothesis test below may do that the links would refuse.
_BREAKS_LINKS = {"prev_hash", "hash", "seq", "delete"}


@pytest.mark.parametrize(
    ("column", "forgery", "reseal", "relink"),
    [
        *(
            pytest.param(*p.values, True, True, id=f"{p.id}-resealed")
            for p in FORGERIES
            if p.values[0] not in _UNSEALABLE | _UNLINKABLE
        ),
        *(
            pytest.param(*p.values, True, False, id=f"{p.id}-checked")
            for p in FORGERIES
            if p.values[0] in _UNLINKABLE or p.id == "actor_label"
        ),
        *(pytest.param(*p.values, False, False, id=f"{p.id}-seal_off") for p in FORGERIES),
    ],
)
def test_a_changed_column_fails_verification_at_its_seq(
    column: str, forgery: Any, reseal: bool, relink: bool, guard_lifted: None, admin: Any
) -> None:
    events = _append(3)
    target = events[1]
    _update(column, forgery(target, admin.pk), target.seq, reseal=reseal, relink=relink)
    result = verify_log()
    assert result.sealed == (reseal and relink and connection.vendor == "postgresql")
    assert not result.ok
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (target.seq, "hash_mismatch")
    assert result.events_verified == target.seq - 1
    assert result.last_seq == target.seq - 1


def test_a_changed_data_is_named_as_such(guard_lifted: None) -> None:
    events = _append(2)
    _update("data", json.dumps({"i": 0, "text": "changed"}), events[0].seq, reseal=False)
    result = verify_log()
    assert result.problem is not None and result.problem.seq == events[0].seq
    assert "data_canonical" in result.problem.message


def test_a_changed_prev_hash_is_a_broken_link(guard_lifted: None) -> None:
    events = _append(3)
    _update("prev_hash", "f" * 64, events[1].seq, relink=False)
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (events[1].seq, "broken_link")


def test_a_moved_seq_is_a_gap(guard_lifted: None) -> None:
    events = _append(3)
    _update("seq", events[1].seq + 1_000_000, events[1].seq, relink=False)
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (events[2].seq, "gap")
    assert f"seq {events[1].seq} is missing" in result.problem.message


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(guard_lifted: None) -> None:
    events = _append(3)
    forged = AuditEvent.objects.get(seq=events[1].seq)
    forged.object_id = "N-forged"
    _update("object_id", "N-forged", forged.seq, relink=False)
    _update("hash", compute_hash(event_fields(forged)), forged.seq, relink=False)
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (events[2].seq, "broken_link")


def test_unreadable_data_canonical_is_reported_not_raised(guard_lifted: None) -> None:
    """A data_canonical that is not JSON, under a preimage and hash rebuilt over it (the
    seal, which would refuse it, dropped): SQL cannot read it back as jsonb, so Python
    walks the chain and names the row."""
    events = _append(3)
    forged = AuditEvent.objects.get(seq=events[1].seq)
    _update("data_canonical", "{not json", forged.seq, reseal=False)
    text = (
        '{"action":'
        + json.dumps(forged.action)
        + ',"actor_id":null,"actor_label":'
        + json.dumps(forged.actor_label)
        + ',"client_ip":null,"data":{not json,"object_id":'
        + json.dumps(forged.object_id)
        + ',"object_type":'
        + json.dumps(forged.object_type)
        + ',"occurred_at":"'
        + event_fields(forged)["occurred_at"]
        + '","prev_hash":"'
        + forged.prev_hash
        + '","request_id":"","seq":'
        + str(forged.seq)
        + "}"
    )
    _update("preimage", text.encode(), forged.seq, reseal=False)
    _update("hash", hashlib.sha256(text.encode()).hexdigest(), forged.seq, reseal=False)
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (forged.seq, "hash_mismatch")


@pytest.mark.parametrize("where", ["first", "boundary", "after_boundary", "last"])
def test_ranges_find_the_same_first_bad_seq(
    where: str, guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small ranges, so that problems fall on and beside their boundaries."""
    monkeypatch.setattr(verify, "RANGE_SIZE", 4)
    _append(10)
    head = ChainHead.objects.get(pk=1).seq
    seq = {"first": 1, "boundary": 9, "after_boundary": 10, "last": head}[where]
    _update("actor_label", "mallory", seq)
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (seq, "hash_mismatch")


@pytest.mark.parametrize("missing", [8, 9, 12])
def test_ranges_see_a_gap_on_their_boundary(
    missing: int, guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "RANGE_SIZE", 4)
    _append(14)
    with links_lifted(relink=False), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [missing])
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (missing + 1, "gap")
    assert result.events_verified == missing - 1


def test_a_whole_missing_range_is_a_gap(
    guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "RANGE_SIZE", 4)
    _append(14)
    with links_lifted(relink=False), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq BETWEEN 5 AND 12")
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (13, "gap")
    assert "seq 5…12 are missing" in result.problem.message


def test_ranges_verify_from_a_given_seq(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "RANGE_SIZE", 3)
    _append(10)
    head = ChainHead.objects.get(pk=1).seq
    progress: list[int] = []
    result = verify_log(from_seq=head - 6, progress=progress.append)
    assert result.ok and result.events_verified == 7 and result.last_seq == head
    if connection.vendor == "postgresql":
        assert progress == [3, 6, 7]


def test_a_gap_the_links_should_have_refused_is_still_found(
    require_postgres: None, guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the catalogue vouched for links that did not hold (a superuser can skip their
    triggers), a range whose count falls short of its span is read again in order."""
    monkeypatch.setattr(verify, "RANGE_SIZE", 6)
    monkeypatch.setattr(verify, "_trust", lambda connection: (verify.PREIMAGES_LINKED, None))
    _append(14)
    head = ChainHead.objects.get(pk=1).seq
    with links_lifted(relink=False), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [head - 4])
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (head - 3, "gap")


_ALWAYS_PARALLEL = {
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "min_parallel_index_scan_size": "0",
    "min_parallel_table_scan_size": "0",
}


def test_parallel_workers_find_the_first_bad_seq(
    require_postgres: None, guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the whole seal intact the rows of each range may be shared between parallel
    workers, in any order; the answer is the same."""
    monkeypatch.setattr(verify, "RANGE_SIZE", 5)
    monkeypatch.setattr(verify, "PARALLEL_PLAN_SETTINGS", _ALWAYS_PARALLEL)
    _append(30)
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner shares a table between workers only once it knows the table's size.
        cursor.execute("ANALYZE audit_auditevent")
        for name, value in _ALWAYS_PARALLEL.items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute("SELECT set_config('max_parallel_workers_per_gather', '2', true)")
        cursor.execute(
            "EXPLAIN (ANALYZE, COSTS OFF) " + chain_sql.VERIFY_SEALED_LINKED_RANGE, [1, 30]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Gather" in plan and "Workers Launched: 0" not in plan, plan
    head = ChainHead.objects.get(pk=1).seq
    _update("request_id", "forged", head - 7)
    _update("actor_label", "mallory", head - 3)
    result = verify_log()
    assert result.sealed
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (head - 7, "hash_mismatch")


# -- the SQL verifier and the Python walker agree on any damage ------------------------------

_DAMAGE = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "action",
                "actor_label",
                "object_id",
                "data",
                "data_canonical",
                "client_ip",
                "request_id",
                "prev_hash",
                "hash",
                "seq",
                "delete",
            ]
        ),
        st.integers(0, 11),
        st.sampled_from(["x", 'q"uote', "back\\slash", "tab\there", "é", ""]),
    ),
    min_size=1,
    max_size=3,
)


class _Undo(Exception):
    pass


def _where(problem: Any) -> tuple[int, str] | None:
    return None if problem is None else (problem.seq, problem.kind)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(damage=_DAMAGE)
def test_sql_and_python_verifiers_report_the_same_first_problem(
    require_postgres: None, guard_lifted: None, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    monkeypatch.setattr(verify, "RANGE_SIZE", 5)
    start = ChainHead.objects.get(pk=1).seq
    if start < 12:
        _append(12 - start)
    head = ChainHead.objects.get(pk=1)
    expected_prev = AuditEvent.objects.get(seq=head.seq - 12).hash
    first = head.seq - 11
    # Damage the seal can cover is resealed (the verifier relies on the whole seal). Damage
    # to the links takes them off, and only the seal's check goes back (the verifier then
    # compares each event with the one before). Data that no longer equals data_canonical
    # cannot be sealed at all, and leaves the seal off (the verifier rebuilds each event).
    columns = {column for column, _index, _text in damage}
    reseal = not columns & _UNSEALABLE
    relink = reseal and not columns & _BREAKS_LINKS
    try:
        with transaction.atomic(), links_lifted(relink=False) if not relink else nullcontext():
            forged = False
            for column, index, text in damage:
                seq = first + index
                if not AuditEvent.objects.filter(seq=seq).exists():
                    continue  # already deleted or moved by earlier damage
                forged = forged or column != "delete"
                if column == "delete":
                    with connection.cursor() as cursor:
                        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [seq])
                elif column == "seq":
                    _update("seq", seq + 1_000_000, seq, reseal=reseal, relink=relink)
                elif column in ("data", "data_canonical"):
                    _update(column, json.dumps({"t": text}), seq, reseal=reseal, relink=relink)
                elif column == "hash":
                    # Hashes are unique: two rows given the same text would stop the
                    # damage at the constraint instead of reaching the verifiers.
                    _update("hash", f"{text}{seq}", seq, reseal=reseal, relink=relink)
                else:
                    _update(column, text, seq, reseal=reseal, relink=relink)
            args = (first, head.seq, expected_prev)
            trust, _why = verify._trust(connection)
            if forged and not reseal:
                assert trust == verify.REBUILD
            else:
                assert trust == (verify.PREIMAGES_LINKED if relink else verify.PREIMAGES)
            in_sql = verify._walk_in_sql("default", *args, None, trust=trust)
            in_python = verify._walk_in_python(*args, 100, None)
            raise _Undo
    except _Undo:
        pass
    # (Moving or removing the last event leaves no problem inside the range: verify_log
    # then reports the tail as cut, from last_seq.)
    assert _where(in_sql.problem) == _where(in_python.problem)
    assert (in_sql.count, in_sql.last_seq, in_sql.last_hash) == (
        in_python.count,
        in_python.last_seq,
        in_python.last_hash,
    )
