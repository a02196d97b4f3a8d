"""Firing an action: lock, check, the handler's work, the status from the table, save and
one audit event, in one transaction (dac_portal/actions.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from dac_portal.actions import Aggregate
from dac_portal.errors import InvalidTransition, PermissionDenied
from dac_portal.state_machine import StateMachine

MACHINE = StateMachine(
    "door",
    transitions={
        ("closed", "open"): frozenset({"open"}),
        ("closed", "knock"): frozenset({"closed"}),
        ("closed", "judge"): frozenset({"open", "sealed"}),
    },
    permissions={"owner": {"closed": frozenset({"open", "knock", "judge"})}},
)


@dataclass
class Door:
    status: str = "closed"
    saved: int = 0
    log: list[str] = field(default_factory=list)

    def save(self) -> None:
        self.saved += 1


def make(records: list[dict[str, Any]]) -> Aggregate[Door]:
    def advance(door: Door, action: str, now: datetime, outcome: str | None) -> str:
        old = door.status
        door.status = MACHINE.next_status(old, action, outcome)
        return old

    return Aggregate(
        machine=MACHINE,
        lock=lambda door: door,
        roles=lambda actor, door: frozenset({actor}),
        advance=advance,
        record=lambda **event: records.append(event),
    )


pytestmark = pytest.mark.django_db


def test_the_status_comes_from_the_table_and_one_event_records_the_move() -> None:
    records: list[dict[str, Any]] = []
    door = Door()
    with make(records).fire(door, "open", "owner", "door.opened") as firing:
        firing.data["why"] = "guests"
    assert door.status == "open" and door.saved == 1
    assert records == [
        {
            "actor": "owner",
            "system": None,
            "action": "door.opened",
            "target": door,
            "data": {"old_status": "closed", "new_status": "open", "why": "guests"},
        }
    ]


def test_the_handler_names_the_outcome_or_keeps_the_status() -> None:
    records: list[dict[str, Any]] = []
    sealed, waiting = Door(), Door()
    with make(records).fire(sealed, "judge", "owner", "door.judged") as firing:
        firing.advance("sealed")
    with make(records).fire(waiting, "judge", "owner", "door.judged") as firing:
        firing.hold()
    assert (sealed.status, waiting.status) == ("sealed", "closed")


def test_an_action_that_keeps_the_status_records_only_its_own_data() -> None:
    records: list[dict[str, Any]] = []
    with make(records).fire(Door(), "knock", "owner", "door.knocked") as firing:
        firing.data["times"] = 3
    assert records[0]["data"] == {"times": 3}


def test_a_refused_action_runs_no_handler_and_records_nothing() -> None:
    records: list[dict[str, Any]] = []
    door = Door(status="open")
    with pytest.raises(InvalidTransition), make(records).fire(door, "open", "owner", "x"):
        door.log.append("ran")
    assert door.log == [] and records == [] and door.saved == 0


def test_an_error_in_the_handler_records_nothing() -> None:
    records: list[dict[str, Any]] = []
    door = Door()
    with pytest.raises(RuntimeError), make(records).fire(door, "open", "owner", "x"):
        raise RuntimeError("the hinge broke")
    assert records == [] and door.saved == 0


def test_a_step_the_portal_takes_itself_is_checked_for_the_system_role() -> None:
    records: list[dict[str, Any]] = []
    guest_opens = StateMachine(
        "door",
        transitions=MACHINE.transitions,
        permissions={"guest": {}, "system": {"closed": frozenset({"open"})}},
    )
    doors = Aggregate(
        machine=guest_opens,
        lock=lambda door: door,
        roles=lambda actor, door: frozenset({actor}),
        advance=make(records).advance,
        record=lambda **event: records.append(event),
    )
    with pytest.raises(PermissionDenied):
        doors.fire(Door(), "open", "guest", "door.opened").__enter__()
    door = Door()
    with doors.fire(door, "open", None, "door.opened", system="janitor", as_system=True):
        pass
    assert door.status == "open"
    assert records[-1]["actor"] is None and records[-1]["system"] == "janitor"


def _doors_with_a_janitor(records: list[dict[str, Any]]) -> Aggregate[Door]:
    machine = StateMachine(
        "door",
        transitions={
            **MACHINE.transitions,
            ("open", "prop"): frozenset({"propped"}),
            ("propped", "prop"): frozenset({"propped"}),
        },
        permissions={
            "owner": {"closed": frozenset({"open"})},
            "system": {"open": frozenset({"prop"})},
        },
    )
    return Aggregate(
        machine=machine,
        lock=lambda door: door,
        roles=lambda actor, door: frozenset({actor}),
        advance=lambda door, action, now, outcome: _move(machine, door, action, outcome),
        record=lambda **event: records.append(event),
    )


def _move(machine: StateMachine, door: Door, action: str, outcome: str | None) -> str:
    old = door.status
    door.status = machine.next_status(old, action, outcome)
    return old


def test_a_step_that_follows_at_once_lands_in_the_same_event() -> None:
    records: list[dict[str, Any]] = []
    door = Door()
    with _doors_with_a_janitor(records).fire(door, "open", "owner", "door.opened") as firing:
        firing.follow("prop")
    assert door.status == "propped" and door.saved == 1
    assert [r["data"] for r in records] == [
        {"old_status": "closed", "new_status": "propped", "then": ["prop"]}
    ]


def test_a_following_step_the_system_may_not_take_rolls_the_action_back() -> None:
    records: list[dict[str, Any]] = []
    door = Door()
    doors = _doors_with_a_janitor(records)
    with pytest.raises(InvalidTransition), doors.fire(door, "open", "owner", "x") as firing:
        firing.follow("prop")
        firing.follow("prop")  # propped → prop: the system role has no such right
    assert records == [] and door.saved == 0


def test_the_handler_sees_the_roles_the_actor_was_checked_with() -> None:
    with make([]).fire(Door(), "knock", "owner", "door.knocked") as firing:
        assert firing.roles == {"owner"}


def test_a_precheck_refuses_before_the_table_is_asked() -> None:
    records: list[dict[str, Any]] = []

    def already_open(door: Door) -> None:
        raise RuntimeError("refused first")

    with pytest.raises(RuntimeError, match="refused first"):
        # "stranger" holds no role: without the precheck the table would answer 403.
        make(records).fire(Door(), "open", "stranger", "x", precheck=already_open).__enter__()
    assert records == []
