"""A person who recused themselves from a request does nothing more on it as a committee
person: no vote, no note, no assignment, no change request, no decision, and nothing of
the sort offered in `allowed_actions` (issue 12, findings 1 and 2).

The rule lives in the workflow table (`Role.RECUSED` suspends the committee roles); these
tests check the table itself for every status and role set, every committee action of
every service for a recused chair and a recused member, and the API as a client sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from access_requests import workflow
from access_requests.models import AccessRequest, OutsideReviewer, Recusal
from access_requests.review import outside
from access_requests.review import services as review_services
from audit.models import AuditEvent
from dac_portal.errors import Conflict, PermissionDenied
from tests.access_requests.conftest import vote

A, R, S = workflow.Action, workflow.Role, workflow.Status
COMMITTEE_ROLES = sorted(workflow.SUSPENDED_BY_RECUSAL)
ROLE_OF = {"chair1": R.COMMITTEE_CHAIR, "member1": R.COMMITTEE_MEMBER}


# -- the table ------------------------------------------------------------------------------


@given(
    status=st.sampled_from(list(S)),
    others=st.sets(st.sampled_from([r for r in R if r is not R.RECUSED])),
)
def test_recusal_leaves_only_what_the_other_roles_allow(status, others):
    recused = workflow.allowed_actions(status, others | {R.RECUSED})
    without_committee = workflow.allowed_actions(status, others - workflow.SUSPENDED_BY_RECUSAL)
    assert recused == without_committee


@pytest.mark.parametrize("role", COMMITTEE_ROLES)
@pytest.mark.parametrize("status", list(S))
def test_a_recused_committee_person_is_offered_nothing(status, role):
    assert workflow.allowed_actions(status, {role, R.RECUSED}) == []


@pytest.mark.parametrize("role", COMMITTEE_ROLES)
def test_every_committee_action_is_marked_as_suspended_by_recusal(role):
    for actions in workflow.PERMISSIONS[role].values():
        for action in actions:
            assert workflow.suspended_by_recusal(action, {role, R.RECUSED})
            assert not workflow.suspended_by_recusal(action, {role})


def test_recusal_does_not_take_away_an_applicants_own_actions():
    assert workflow.allowed_actions(S.UNDER_REVIEW, {R.APPLICANT, R.RECUSED}) == [
        "file_ethics_approval",
        "withdraw",
    ]


# -- every service, for a recused chair and a recused member --------------------------------


def _acts(member2: Any) -> dict[str, Callable[[AccessRequest, Any], Any]]:
    """One call per committee action of the workflow table while under review."""
    return {
        A.VOTE: lambda request, actor: review_services.access_request_vote(
            access_request=request, vote="approve", rationale="Fine.", actor=actor
        ),
        A.COMMENT: lambda request, actor: review_services.access_request_note_add(
            access_request=request, body="A note.", actor=actor
        ),
        A.RECUSE: lambda request, actor: review_services.access_request_recuse(
            access_request=request, reason="Again.", actor=actor
        ),
        A.ASSIGN: lambda request, actor: review_services.reviewers_assign(
            access_requests=[request], reviewers=[member2], actor=actor
        ),
        A.REQUEST_CHANGES: lambda request, actor: review_services.access_request_request_changes(
            access_request=request, message="Add a plan.", actor=actor
        ),
        A.WAIVE_CONFLICT: lambda request, actor: review_services.access_request_conflict_waive(
            access_request=request, member=member2, reason="Another faculty.", actor=actor
        ),
        A.INVITE_OUTSIDE_REVIEWER: lambda request, actor: outside.outside_reviewer_invite(
            access_request=request,
            name="Dr Expert",
            email="expert@example.org",
            kind="expert",
            actor=actor,
        ),
        # The table refuses before the invitation is read: an unsaved one will do.
        A.END_OUTSIDE_REVIEWER: lambda request, actor: outside.outside_reviewer_end(
            reviewer=OutsideReviewer(
                access_request=request,
                committee=request.committee,
                kind="expert",
                name="Dr Expert",
                email="expert@example.org",
                invited_by=member2,
            ),
            actor=actor,
        ),
        A.DECIDE: lambda request, actor: review_services.access_request_decide(
            access_request=request,
            decisions=[
                {"dataset": row.dataset.accession, "decision": "approved"}
                for row in request.requested_datasets.select_related("dataset")
            ],
            actor=actor,
        ),
    }


def test_every_committee_action_has_a_recusal_check_below(member2):
    committee_actions = {
        action
        for role in workflow.SUSPENDED_BY_RECUSAL
        for action in workflow.PERMISSIONS[role].get(S.UNDER_REVIEW, frozenset())
    }
    assert committee_actions == set(_acts(member2))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["chair1", "member1"])
@pytest.mark.parametrize(
    "action",
    [
        A.VOTE,
        A.COMMENT,
        A.RECUSE,
        A.ASSIGN,
        A.REQUEST_CHANGES,
        A.DECIDE,
        A.WAIVE_CONFLICT,
        A.INVITE_OUTSIDE_REVIEWER,
        A.END_OUTSIDE_REVIEWER,
    ],
)
def test_a_recused_person_is_refused_every_committee_action_and_nothing_changes(
    reviewing, demo_user, member2, member3, who, action
):
    request = reviewing()
    # Quorate, so that a decision would otherwise go through.
    vote(request, member2, "approve")
    vote(request, member3, "approve")
    actor = demo_user(who)
    review_services.access_request_recuse(access_request=request, reason="My lab.", actor=actor)
    before = (AuditEvent.objects.count(), request.status, request.updated_at)

    expected = Conflict if action == A.RECUSE else PermissionDenied
    with pytest.raises(expected) as refused:
        _acts(member2)[action](request, actor)

    could_otherwise = action in workflow.PERMISSIONS[ROLE_OF[who]][S.UNDER_REVIEW]
    if action == A.RECUSE:
        assert refused.value.code == "already_recused"
    else:
        # A member never decides anyway: theirs is the plain refusal, not the recusal one.
        assert refused.value.code == ("recused" if could_otherwise else "permission_denied")
    request.refresh_from_db()
    assert (AuditEvent.objects.count(), request.status, request.updated_at) == before
    assert not request.requested_datasets.exclude(decision="").exists()


# -- the API, as the review found it --------------------------------------------------------


@pytest.mark.django_db
def test_a_recused_chair_cannot_decide_through_the_api(
    reviewing, api_client_for, chair1, member2, member3
):
    request = reviewing()
    vote(request, member2, "approve")
    vote(request, member3, "approve")
    client = api_client_for(chair1)
    base = f"/api/v1/requests/{request.reference}/"
    assert client.post(base + "recuse/", {"reason": "My student applied."}, format="json").json()[
        "recused"
    ]
    accession = request.requested_datasets.get().dataset.accession

    response = client.post(
        base + "decision/",
        {"decisions": [{"dataset": accession, "decision": "approved"}]},
        format="json",
    )

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "recused"
    request.refresh_from_db()
    assert request.status == "under_review"
    assert not AuditEvent.objects.filter(
        action="access_request.decided", object_id=request.reference
    ).exists()
    from agreements.models import Grant

    assert not Grant.objects.filter(access_request=request).exists()


@pytest.mark.django_db
def test_a_recused_chair_cannot_request_changes_through_the_api(reviewing, api_client_for, chair1):
    request = reviewing()
    client = api_client_for(chair1)
    base = f"/api/v1/requests/{request.reference}/"
    client.post(base + "recuse/", {"reason": "My student applied."}, format="json")

    response = client.post(base + "request-changes/", {"message": "More."}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "recused"
    request.refresh_from_db()
    assert request.status == "under_review"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member1", "chair1"])
def test_a_recused_person_is_offered_no_committee_action(reviewing, api_client_for, demo_user, who):
    request = reviewing()
    client = api_client_for(demo_user(who))
    url = f"/api/v1/requests/{request.reference}/"
    assert "vote" in client.get(url).json()["allowed_actions"]

    client.post(url + "recuse/", {"reason": "A colleague applied."}, format="json")

    assert client.get(url).json()["allowed_actions"] == []
    assert Recusal.objects.filter(access_request=request, member=demo_user(who)).exists()
