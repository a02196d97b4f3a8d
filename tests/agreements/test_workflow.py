"""The grant workflow table, exhaustively: every (status, action, role) answers as the
table says, and the permissions table never names a transition that does not exist."""

from __future__ import annotations

import itertools

import pytest

from agreements import workflow
from agreements.workflow import Action, Role, Status


def test_every_permission_is_a_transition() -> None:
    for role, by_status in workflow.PERMISSIONS.items():
        for status, actions in by_status.items():
            for action in actions:
                assert (status, action) in workflow.TRANSITIONS, (role, status, action)


@pytest.mark.parametrize(
    ("status", "action", "role"), list(itertools.product(Status, Action, Role))
)
def test_may_agrees_with_both_tables(status: Status, action: Action, role: Role) -> None:
    expected = (status, action) in workflow.TRANSITIONS and action in workflow.PERMISSIONS[
        role
    ].get(status, frozenset())
    assert workflow.may(status, action, [role]) is expected


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_next_status_follows_the_table_or_refuses(status: Status, action: Action) -> None:
    if (status, action) in workflow.TRANSITIONS:
        assert workflow.next_status(status, action) == workflow.TRANSITIONS[(status, action)]
    else:
        with pytest.raises(workflow.TransitionError):
            workflow.next_status(status, action)


def test_ended_grants_can_only_be_closed() -> None:
    for status in workflow.ENDED_STATUSES:
        targets = {t for (s, _a), t in workflow.TRANSITIONS.items() if s == status}
        assert targets <= {Status.CLOSED, status}


def test_nobody_but_the_system_activates_or_expires_a_grant() -> None:
    for role in Role:
        if role is Role.SYSTEM:
            continue
        for actions in workflow.PERMISSIONS[role].values():
            assert Action.ACTIVATE not in actions and Action.EXPIRE not in actions


def test_unknown_status_or_role_allows_nothing() -> None:
    assert workflow.allowed_actions("nonsense", ["holder"]) == []
    assert workflow.allowed_actions("active", ["nobody"]) == []
