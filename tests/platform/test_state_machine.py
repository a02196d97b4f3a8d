"""The workflow tables are executable: one StateMachine answers, refuses and computes the
next status, and every action of a table has exactly one handler (dac_portal/state_machine.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import access_requests.review.services
import access_requests.services
import agreements.jobs
import agreements.services
from access_requests import workflow as request_workflow
from agreements import workflow as grant_workflow
from dac_portal.errors import InvalidTransition, PermissionDenied
from dac_portal.state_machine import StateMachine, Suspension, TransitionError

ROOT = Path(__file__).resolve().parents[2]

DOOR = StateMachine(
    "door",
    transitions={
        ("closed", "open"): frozenset({"open"}),
        ("open", "close"): frozenset({"closed"}),
        ("closed", "knock"): frozenset({"closed", "open"}),
    },
    permissions={
        "owner": {"closed": frozenset({"open", "knock"}), "open": frozenset({"close"})},
        "guest": {"closed": frozenset({"knock"})},
        "away": {},
    },
    suspensions=[Suspension("away", {"owner"}, code="away", message="You are away.")],
    noun="door",
)


def test_the_table_gives_the_next_status_and_refuses_what_it_does_not_name() -> None:
    assert DOOR.next_status("closed", "open") == "open"
    assert DOOR.next_status("closed", "knock", "open") == "open"
    with pytest.raises(TransitionError):
        DOOR.next_status("closed", "knock")  # two outcomes: the handler must name one
    with pytest.raises(TransitionError):
        DOOR.next_status("open", "open")
    with pytest.raises(TransitionError):
        DOOR.next_status("closed", "knock", "locked")


def test_allowed_actions_follow_the_roles_and_the_status() -> None:
    assert DOOR.allowed_actions("closed", ["owner"]) == ["knock", "open"]
    assert DOOR.allowed_actions("closed", ["guest"]) == ["knock"]
    assert DOOR.allowed_actions("open", ["guest"]) == []
    assert DOOR.allowed_actions("closed", ["stranger"]) == []


def test_check_answers_403_when_no_role_could_ever_and_409_when_the_status_forbids() -> None:
    assert DOOR.check("closed", "open", ["owner"]) == {"owner"}
    with pytest.raises(PermissionDenied) as never:
        DOOR.check("closed", "open", ["guest"])
    assert never.value.details == {"action": "open"}
    with pytest.raises(InvalidTransition) as not_now:
        DOOR.check("open", "open", ["owner"])
    assert not_now.value.details["allowed_actions"] == ["close"]


def test_a_suspension_takes_the_roles_it_suspends_and_says_why() -> None:
    assert DOOR.allowed_actions("closed", ["owner", "away"]) == []
    with pytest.raises(PermissionDenied) as refused:
        DOOR.check("closed", "open", ["owner", "away"])
    assert refused.value.code == "away"


def test_an_action_has_one_handler_only() -> None:
    machine = StateMachine("once", transitions=DOOR.transitions, permissions=DOOR.permissions)

    @machine.handles("open")
    def open_the_door() -> None: ...

    with pytest.raises(ValueError, match="already handled by"):

        @machine.handles("open")
        def open_it_again() -> None: ...

    with pytest.raises(ValueError, match="no action 'paint'"):
        machine.handles("paint")(lambda: None)


def test_a_new_action_without_a_handler_is_named() -> None:
    machine = StateMachine("new", transitions=DOOR.transitions, permissions=DOOR.permissions)
    machine.handles("open", "close")(lambda: None)
    assert machine.unhandled_actions() == ["knock"]


@pytest.mark.parametrize(
    "machine", [request_workflow.MACHINE, grant_workflow.MACHINE], ids=lambda m: m.name
)
def test_every_action_of_the_portals_tables_has_a_handler(machine: StateMachine) -> None:
    assert machine.unhandled_actions() == []


def test_the_handlers_are_the_services_that_carry_the_actions_out() -> None:
    A = request_workflow.Action
    assert request_workflow.MACHINE.handler_for(A.SUBMIT) is (
        access_requests.services.access_request_submit
    )
    assert request_workflow.MACHINE.handler_for(A.DECIDE) is (
        access_requests.review.services.access_request_decide
    )
    assert grant_workflow.MACHINE.handler_for(grant_workflow.Action.EXPIRE) is (
        agreements.jobs.expire_grants
    )


# Where a request's or a grant's status may be written: the one function per aggregate
# that takes it from the table, and the set-based expiry sweep (its value read from the
# table at import).
STATUS_WRITERS = {
    ("access_requests/services.py", "access_request_advance"),
    ("agreements/services/_common.py", "_set_status"),
    ("agreements/jobs.py", "grants_expire_sweep"),
}
AGGREGATES = {"access_request", "request", "grant", "route"}


def is_a_queryset(node: ast.AST) -> bool:
    """`X.objects…` or a name bound to a queryset (`due`): anything but a dict's update."""
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "data":
            return False
        node = node.func if isinstance(node, ast.Call) else node.value
    return isinstance(node, ast.Name)


def status_writes() -> set[tuple[str, str, int]]:
    found = set()
    for folder in ("access_requests", "agreements"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts or path.name == "demo.py":
                continue
            tree = ast.parse(path.read_text(), str(path))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef):
                    continue
                for node in ast.walk(function):
                    writes = (
                        isinstance(node, ast.Assign)
                        and any(
                            isinstance(t, ast.Attribute)
                            and t.attr == "status"
                            and isinstance(t.value, ast.Name)
                            and t.value.id in AGGREGATES
                            for t in node.targets
                        )
                    ) or (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "update"
                        and any(k.arg == "status" for k in node.keywords)
                        and is_a_queryset(node.func.value)
                    )
                    if writes:
                        found.add((str(path.relative_to(ROOT)), function.name, node.lineno))
    return found


def test_no_handler_writes_a_status_outside_the_table() -> None:
    outside = {place for place in status_writes() if (place[0], place[1]) not in STATUS_WRITERS}
    assert not outside
    # The scan is not blind: it sees the writers it allows.
    assert {(path, name) for path, name, _line in status_writes()} == STATUS_WRITERS
