"""The seal (audit.seal): PostgreSQL refuses any event whose stored preimage is not the
canonical text of its columns (the check), or that does not follow its predecessor (the
links); while the seal is intact the verifier only hashes the preimages, and when a part
is missing or not the one installed, the verifier says so and checks what that part
vouched for itself, finding the same tampering."""

from __future__ import annotations

import hashlib
import importlib
import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit import guards, seal, verify
from audit import sql as chain_sql
from audit.chain import PREIMAGE_MISMATCH_MESSAGE, canonical_bytes, event_fields
from audit.models import AuditEvent, VerificationRun
from audit.services import audit_record_many
from audit.verify import verify_log
from notifications.audit_actions import NotificationAudit
from tests.audit.tampering import append_events, forge

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[AuditEvent]:
    return append_events(n, system="seal-test", text='héllo "quoted"\n')


def _execute(sql: str, params: list[Any] | None = None) -> None:
    guards.flush_deferred_checks(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_writer_stores_exactly_the_bytes_it_hashed() -> None:
    _append(2)
    with transaction.atomic():
        audit_record_many(
            actor=None,
            system="seal-test",
            action=NotificationAudit.NOTIFICATION_SENT,
            items=[(("notification", f"B-{i}"), {"i": i, "é": "ü"}) for i in range(3)],
        )
    for event in AuditEvent.objects.order_by("-seq")[:5]:
        image = bytes(event.preimage)
        assert image == canonical_bytes(event_fields(event))
        assert hashlib.sha256(image).hexdigest() == event.hash


def test_the_verifier_hashes_the_sealed_preimages_when_the_seal_is_intact(
    require_postgres: None,
) -> None:
    _append(2)
    assert seal.problem(connection) is None
    result = verify_log()
    assert result.ok and result.sealed and result.seal_problem is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "user.logout"),
        ("actor_label", "mallory"),
        ("object_id", "N-999"),
        ("client_ip", "10.6.6.6"),
        ("request_id", "forged"),
        ("prev_hash", "f" * 64),
        ("seq", 10_000_000),
        ("data", json.dumps({"i": 999})),
        ("data_canonical", '{"i":999}'),
        ("preimage", b"{}"),
    ],
)
def test_the_database_refuses_a_row_that_is_not_its_preimage(
    require_postgres: None, guard_lifted: None, column: str, value: Any
) -> None:
    """Even for the tables' owner with the append-only guard off."""
    event = _append(1)[0]
    with pytest.raises(IntegrityError, match=chain_sql.SEAL_CONSTRAINT), transaction.atomic():
        _execute(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, event.seq])


def test_an_insert_without_its_preimage_is_refused(require_postgres: None) -> None:
    event = _append(1)[0]
    insert = (
        "INSERT INTO audit_auditevent (seq, occurred_at, actor_label, action, object_type, "
        "object_id, data, data_canonical, request_id, prev_hash, hash, preimage) "
        "VALUES (%s, now(), 'x', 'user.login', '', '', '{}', '{}', '', %s, %s, %s)"
    )
    for preimage in (None, b'{"action":"user.login"}'):
        with pytest.raises(IntegrityError), transaction.atomic():
            _execute(insert, [event.seq + 1, event.hash, "a" * 64, preimage])


# How an owner could put the seal back hollow after changing events with it off; each is
# noticed in the catalogue.
def _left_off() -> None:
    pass


def _not_valid() -> None:
    _execute(chain_sql.CREATE_SEAL_FUNCTION)
    _execute(f"{chain_sql.ADD_SEAL} NOT VALID")


def _always_true() -> None:
    _execute(chain_sql.CREATE_SEAL_FUNCTION)
    _execute(
        f"ALTER TABLE audit_auditevent ADD CONSTRAINT {chain_sql.SEAL_CONSTRAINT} "
        f"CHECK ({chain_sql.SEAL_FUNCTION}({chain_sql.SEAL_COLUMNS}) OR true)"
    )


def _body_replaced() -> None:
    _execute(
        f"CREATE FUNCTION {chain_sql.SEAL_FUNCTION}({chain_sql.SEAL_ARGUMENTS}) "
        "RETURNS boolean LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN true; END $$"
    )
    _execute(chain_sql.ADD_SEAL)


def _strict() -> None:
    """A STRICT function returns null, which a CHECK lets pass, for any null argument:
    every event without a client address."""
    _execute(chain_sql.CREATE_SEAL_FUNCTION)
    _execute(f"ALTER FUNCTION {chain_sql.SEAL_FUNCTION}({chain_sql.SEAL_ARGUMENTS}) STRICT")
    _execute(chain_sql.ADD_SEAL)


HOLLOW = [
    pytest.param(_left_off, "is missing", id="left_off"),
    pytest.param(_not_valid, "NOT VALID", id="not_valid"),
    pytest.param(_always_true, "not the one installed", id="always_true"),
    pytest.param(_body_replaced, "not the one installed", id="body_replaced"),
    pytest.param(_strict, "not the one installed", id="strict"),
]


@pytest.mark.parametrize(("hollow", "said"), HOLLOW)
def test_a_change_under_a_hollow_seal_is_found_by_rebuilding_every_event(
    require_postgres: None, guard_lifted: None, hollow: Callable[[], None], said: str
) -> None:
    events = _append(3)
    forge(events[1].seq, reseal=False, actor_label="mallory")
    hollow()
    _found_without_relying_on_the_seal(said, events[1].seq, "hash_mismatch")


def _found_without_relying_on_the_seal(said: str, seq: int, kind: str) -> None:
    """The seal reads as broken for the reason `said`, and the change is found all the
    same, at `seq`."""
    problem = seal.problem(connection)
    assert problem is not None and said in problem
    result = verify_log()
    assert not result.sealed and result.seal_problem == problem
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (seq, kind)


def test_a_seal_function_with_its_own_search_path_is_not_relied_on(
    require_postgres: None, guard_lifted: None
) -> None:
    """A search path of its own could send the function's calls to look-alikes."""
    _append(1)
    _execute(
        f"ALTER FUNCTION {chain_sql.SEAL_FUNCTION}({chain_sql.SEAL_ARGUMENTS}) "
        "SET search_path = public"
    )
    result = verify_log()
    assert result.ok and not result.sealed
    assert "not the one installed" in str(result.seal_problem)


def test_a_preimage_changed_alone_is_named(guard_lifted: None) -> None:
    """With the seal off (PostgreSQL) or on SQLite, which has none."""
    events = _append(2)
    forge(events[0].seq, reseal=False, preimage=b'{"forged":true}')
    result = verify_log()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.message) == (
        events[0].seq,
        PREIMAGE_MISMATCH_MESSAGE,
    )


def test_the_command_and_the_run_say_when_the_seal_was_not_intact(
    require_postgres: None, guard_lifted: None, command: Any
) -> None:
    _append(1)
    _execute(chain_sql.DROP_SEAL[0])
    code, _out, err = command("verify_audit_log")
    assert code == 0
    assert "Warning: the seal is not intact" in err and "is missing" in err
    run = VerificationRun.objects.order_by("-pk").first()
    assert run is not None and run.ok and "is missing" in run.seal_problem
    assert AuditEvent.objects.order_by("-seq").first().data["sealed"] is False


def test_a_seal_taken_off_while_the_events_are_read_vouches_for_nothing(
    require_postgres: None, guard_lifted: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seal is read again after the walk: gone by then, the events are read again,
    each rebuilt from its columns."""
    events = _append(3)
    real = verify._walk_in_sql
    walks: list[int] = []

    def walk_while_someone_tampers(*args: Any, trust: int) -> Any:
        walks.append(trust)
        walk = real(*args, trust=trust)
        if len(walks) == 1:
            forge(events[1].seq, reseal=False, actor_label="mallory")
        return walk

    monkeypatch.setattr(verify, "_walk_in_sql", walk_while_someone_tampers)
    result = verify_log()
    assert walks == [verify.PREIMAGES_LINKED, verify.REBUILD]
    assert not result.sealed and "is missing" in str(result.seal_problem)
    assert result.problem is not None
    assert (result.problem.seq, result.problem.kind) == (events[1].seq, "hash_mismatch")


# -- the links: the seal's foreign key from each event to its predecessor ---------------------


def _without_the_check() -> None:
    """The seal's check taken off, so that what the links refuse shows on its own."""
    for statement in chain_sql.DROP_SEAL:
        _execute(statement)


@pytest.mark.parametrize(
    ("statement", "values"),
    [
        pytest.param(
            "UPDATE audit_auditevent SET prev_hash = %s WHERE seq = {middle}",
            ["f" * 64],
            id="prev_hash_not_the_hash_before",
        ),
        pytest.param(
            "UPDATE audit_auditevent SET hash = %s WHERE seq = {middle}",
            ["0" * 64],
            id="hash_the_next_event_links_to",
        ),
        pytest.param(
            "DELETE FROM audit_auditevent WHERE seq = {middle}", [], id="event_with_a_successor"
        ),
        pytest.param(
            "UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq = {last}",
            [],
            id="seq_moved_from_its_predecessor",
        ),
        pytest.param(
            "INSERT INTO audit_auditevent (seq, occurred_at, actor_label, action, object_type, "
            "object_id, data, data_canonical, request_id, prev_hash, hash, preimage) "
            "VALUES ({last} + 1, now(), 'x', 'user.login', '', '', '{{}}', '{{}}', '', %s, %s, "
            "'\\x00')",
            ["f" * 64, "a" * 64],
            id="new_event_linked_to_nothing",
        ),
    ],
)
def test_the_links_refuse_an_event_that_does_not_follow_its_predecessor(
    require_postgres: None, guard_lifted: None, statement: str, values: list[Any]
) -> None:
    """Even for the tables' owner with the append-only guard and the seal's check off."""
    events = _append(3)
    _without_the_check()
    sql = statement.format(middle=events[1].seq, last=events[2].seq)
    with pytest.raises(IntegrityError, match=chain_sql.LINK_CONSTRAINT), transaction.atomic():
        _execute(sql, values)


def test_the_owner_cannot_switch_the_links_off_unseen(
    require_postgres: None, guard_lifted: None
) -> None:
    """Their triggers are PostgreSQL's own: only a superuser may disable them, or skip
    them by acting as a replica."""
    for statement in (
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
    ):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            _execute(statement)


# How an owner could put the links back hollow over an event they changed with them off;
# each is noticed in the catalogue. (A hollow key that still checks every row would refuse
# the change: test above.)
def _links_left_off() -> None:
    pass


def _links_not_valid() -> None:
    _execute(f"{chain_sql.ADD_LINKS} NOT VALID")


def _links_over_a_column_no_longer_generated() -> None:
    """The column the key reads, made an ordinary column and emptied on the changed event:
    a key with a null column checks nothing."""
    _execute(f"ALTER TABLE audit_auditevent ALTER COLUMN {chain_sql.LINK_COLUMN} DROP EXPRESSION")
    _execute(
        f"UPDATE audit_auditevent SET {chain_sql.LINK_COLUMN} = NULL WHERE prev_hash = %s",
        ["f" * 64],
    )
    _execute(chain_sql.ADD_LINKS)


HOLLOW_LINKS = [
    pytest.param(_links_left_off, "is missing", id="left_off"),
    pytest.param(_links_not_valid, "NOT VALID", id="not_valid"),
    pytest.param(
        _links_over_a_column_no_longer_generated, "no longer generated", id="not_generated"
    ),
]


@pytest.mark.parametrize(("hollow", "said"), HOLLOW_LINKS)
def test_a_link_broken_under_hollow_links_is_found_by_comparing_each_event_with_the_last(
    require_postgres: None, guard_lifted: None, hollow: Callable[[], None], said: str
) -> None:
    events = _append(3)
    # The event's preimage and the seal's check follow the change: only the links are off.
    forge(events[1].seq, relink=False, prev_hash="f" * 64)
    hollow()
    assert seal.check_problem(connection) is None
    _found_without_relying_on_the_seal(said, events[1].seq, "broken_link")


def test_the_migration_links_the_existing_events_and_refuses_a_broken_log(
    require_postgres: None, guard_lifted: None
) -> None:
    editor = types.SimpleNamespace(connection=connection)
    migration = importlib.import_module("audit.migrations.0009_sealed_links")
    events = _append(3)
    migration.remove_links(None, editor)
    migration.add_links(None, editor)
    assert seal.problem(connection) is None
    assert verify_log().sealed
    migration.remove_links(None, editor)
    forge(events[1].seq, relink=False, prev_hash="f" * 64)
    with pytest.raises(IntegrityError, match=chain_sql.LINK_CONSTRAINT), transaction.atomic():
        migration.add_links(None, editor)
