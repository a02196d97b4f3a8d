"""The workflow tables, exhaustively: every (status, action, role) without a database.

The expectations below are written out by hand from docs/domain.md ("Request lifecycle"), not
derived from the tables under test, so a slip in either shows up as a failing case."""

from __future__ import annotations

import itertools

import pytest

from access_requests import workflow
from access_requests.workflow import Action, Role, Status

# (status, action, role) -> the status the action leads to. Everything not listed is refused.
EXPECTED: dict[tuple[str, str, str], set[str]] = {
    ("new", "create", "applicant"): {"draft"},
    ("draft", "update", "applicant"): {"draft"},
    ("draft", "add_document", "applicant"): {"draft"},
    ("draft", "submit", "applicant"): {"submitted"},
    # The applicant files an ethics approval from the draft until the request ends
    # (issue 18: renewing it while the grants run).
    ("draft", "file_ethics_approval", "applicant"): {"draft"},
    ("submitted", "file_ethics_approval", "applicant"): {"submitted"},
    ("under_review", "file_ethics_approval", "applicant"): {"under_review"},
    ("changes_requested", "file_ethics_approval", "applicant"): {"changes_requested"},
    ("approved", "file_ethics_approval", "applicant"): {"approved"},
    ("draft", "withdraw", "applicant"): {"withdrawn"},
    ("submitted", "withdraw", "applicant"): {"withdrawn"},
    ("submitted", "endorse", "signing_official"): {"under_review"},
    ("submitted", "route", "system"): {"under_review"},
    ("under_review", "withdraw", "applicant"): {"withdrawn"},
    ("under_review", "comment", "committee_member"): {"under_review"},
    ("under_review", "vote", "committee_member"): {"under_review"},
    ("under_review", "recuse", "committee_member"): {"under_review"},
    # A lay representative where lay representatives advise: comments, no vote.
    ("under_review", "comment", "adviser"): {"under_review"},
    ("under_review", "comment", "committee_chair"): {"under_review"},
    ("under_review", "vote", "committee_chair"): {"under_review"},
    ("under_review", "recuse", "committee_chair"): {"under_review"},
    ("under_review", "assign", "committee_chair"): {"under_review"},
    ("under_review", "request_changes", "committee_chair"): {"changes_requested"},
    ("under_review", "decide", "committee_chair"): {"approved", "rejected"},
    ("under_review", "waive_conflict", "committee_chair"): {"under_review"},
    ("under_review", "invite_outside_reviewer", "committee_chair"): {"under_review"},
    ("under_review", "end_outside_reviewer", "committee_chair"): {"under_review"},
    ("changes_requested", "end_outside_reviewer", "committee_chair"): {"changes_requested"},
    ("under_review", "give_opinion", "outside_reviewer"): {"under_review"},
    ("under_review", "vote", "outside_reviewer"): {"under_review"},
    ("changes_requested", "update", "applicant"): {"changes_requested"},
    ("changes_requested", "add_document", "applicant"): {"changes_requested"},
    ("changes_requested", "resubmit", "applicant"): {"under_review"},
    ("changes_requested", "withdraw", "applicant"): {"withdrawn"},
    ("changes_requested", "comment", "committee_member"): {"changes_requested"},
    ("changes_requested", "comment", "adviser"): {"changes_requested"},
    ("changes_requested", "comment", "committee_chair"): {"changes_requested"},
    ("approved", "close", "system"): {"closed"},
    ("rejected", "appeal", "applicant"): {"rejected"},
    ("rejected", "vote_appeal", "appeal_panel"): {"rejected"},
    ("rejected", "decide_appeal", "appeal_panel"): {"approved", "rejected"},
}

ALL = list(itertools.product(list(Status), list(Action), list(Role)))


@pytest.mark.parametrize(("status", "action", "role"), ALL, ids=[f"{s}-{a}-{r}" for s, a, r in ALL])
def test_each_role_may_fire_exactly_the_actions_the_lifecycle_gives_it(status, action, role):
    expected = EXPECTED.get((status.value, action.value, role.value))
    allowed = action.value in workflow.allowed_actions(status, [role])
    assert allowed is (expected is not None)
    assert workflow.may(status, action, [role]) is allowed
    if expected is not None:
        assert set(workflow.targets(status, action)) == expected


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_status_and_action_pair_leads_where_the_lifecycle_says(status, action):
    expected = set().union(
        *(targets for (s, a, _r), targets in EXPECTED.items() if (s, a) == (status, action))
    )
    assert set(workflow.targets(status, action)) == expected
    if not expected:
        with pytest.raises(workflow.TransitionError):
            workflow.next_status(status, action)
    elif len(expected) == 1:
        assert workflow.next_status(status, action) == next(iter(expected))


def test_decide_needs_an_outcome_and_accepts_only_approved_or_rejected():
    with pytest.raises(workflow.TransitionError):
        workflow.next_status("under_review", "decide")
    assert workflow.next_status("under_review", "decide", "approved") == "approved"
    assert workflow.next_status("under_review", "decide", "rejected") == "rejected"
    for outcome in ("withdrawn", "draft", "junk"):
        with pytest.raises(workflow.TransitionError):
            workflow.next_status("under_review", "decide", outcome)


def test_an_outcome_is_refused_for_an_action_with_a_single_target_it_does_not_name():
    assert workflow.next_status("draft", "submit", "submitted") == "submitted"
    with pytest.raises(workflow.TransitionError):
        workflow.next_status("draft", "submit", "approved")


def test_every_permission_is_backed_by_a_transition():
    for role, by_status in workflow.PERMISSIONS.items():
        for status, actions in by_status.items():
            for action in actions:
                assert (status, action) in workflow.TRANSITIONS, (role, status, action)


def test_every_transition_can_be_fired_by_some_role():
    fired = {
        (status, action)
        for by_status in workflow.PERMISSIONS.values()
        for status, actions in by_status.items()
        for action in actions
    }
    assert set(workflow.TRANSITIONS) == fired


def test_roles_add_up_when_a_person_holds_several():
    assert workflow.allowed_actions("under_review", ["applicant", "committee_chair"]) == sorted(
        {
            "withdraw",
            "file_ethics_approval",
            "comment",
            "vote",
            "recuse",
            "assign",
            "request_changes",
            "decide",
            "waive_conflict",
            "invite_outside_reviewer",
            "end_outside_reviewer",
        }
    )


def test_unknown_statuses_roles_and_actions_allow_nothing():
    assert workflow.allowed_actions("nonsense", ["applicant"]) == []
    assert workflow.allowed_actions("draft", ["nonsense"]) == []
    assert workflow.targets("draft", "nonsense") == frozenset()
    assert workflow.targets("nonsense", "submit") == frozenset()
    with pytest.raises(workflow.TransitionError):
        workflow.next_status("nonsense", "submit")


def test_terminal_statuses_allow_no_action_to_anyone():
    for status in workflow.TERMINAL_STATUSES:
        assert workflow.allowed_actions(status, list(Role)) == []


def test_a_rejection_allows_only_its_appeal():
    unsuspended = [r for r in Role if r not in (Role.RECUSED, Role.CONFLICTED)]
    assert set(workflow.allowed_actions("rejected", unsuspended)) == workflow.APPEAL_ACTIONS
    assert workflow.allowed_actions("rejected", ["applicant"]) == ["appeal"]
    assert workflow.allowed_actions("rejected", ["appeal_panel"]) == [
        "decide_appeal",
        "vote_appeal",
    ]
    assert workflow.targets("rejected", "decide_appeal") == {"approved", "rejected"}


def test_a_recused_or_conflicted_panel_member_takes_no_part_in_the_appeal():
    assert workflow.allowed_actions("rejected", ["appeal_panel", "recused"]) == []
    assert workflow.allowed_actions("rejected", ["appeal_panel", "conflicted"]) == []


def test_open_statuses_are_the_ones_a_request_still_moves_through():
    assert {s for s in workflow.STORED_STATUSES if workflow.is_open(s)} == {
        "draft",
        "submitted",
        "under_review",
        "changes_requested",
    }


def test_the_workflow_module_imports_nothing_from_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(workflow))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "django" not in imported
