"""The review endpoints of docs/api.md (votes/, recuse/, request-changes/, decision/): the
service rules through HTTP, 404 for the invisible, 400 for bad bodies, 409 with the
allowed actions, never 500; and nothing of the committee's (votes, rationales, notes,
recusals) in anything the applicant can read."""

from __future__ import annotations

import json

import pytest

from access_requests.review import services as review_services
from access_requests.review.demo import find
from tests.access_requests.conftest import last_event

pytestmark = pytest.mark.django_db


def post(client, reference, suffix, body):
    return client.post(
        f"/api/v1/requests/{reference}/{suffix}",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_a_member_votes_and_sees_the_live_tally(api_client_for, member2):
    reference = find("under_review").reference
    response = post(
        api_client_for(member2), reference, "votes/", {"vote": "approve", "rationale": "Fine."}
    )
    assert response.status_code == 200, response.json()
    [dataset] = response.json()["datasets"]
    assert dataset["my_vote"] == "approve"
    assert dataset["tally"]["voted"] == 2 and dataset["tally"]["quorum_met"] is True
    assert "member1" not in json.dumps(response.json())  # counts, not who voted how
    assert last_event("access_request.vote_cast", reference).actor == member2


def test_the_decision_before_quorum_answers_409_with_the_numbers(api_client_for, chair1):
    reference = find("under_review").reference
    response = post(
        api_client_for(chair1),
        reference,
        "decision/",
        {"decisions": [{"dataset": "DACD000004", "decision": "approved"}]},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "quorum_not_met" and "1 of 2" in error["message"]
    # chair1, member1, member2 and lay1: member3 is kept out (researcher1's university).
    assert error["details"]["datasets"]["DACD000004"]["eligible"] == 4


def test_a_decided_request_answers_409_with_the_allowed_actions(api_client_for, chair1):
    reference = find("approved").reference
    response = post(
        api_client_for(chair1),
        reference,
        "decision/",
        {"decisions": [{"dataset": "DACD000005", "decision": "approved"}]},
    )
    assert response.status_code == 409
    details = response.json()["error"]["details"]
    assert details["status"] == "approved" and details["allowed_actions"] == []


def test_a_rejection_without_reason_is_a_field_error(api_client_for, chair1):
    reference = find("under_review").reference
    response = post(
        api_client_for(chair1),
        reference,
        "decision/",
        {"decisions": [{"dataset": "DACD000004", "decision": "rejected"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"]["DACD000004"] == ["A rejection needs a reason."]


def test_the_invisible_request_is_404(api_client_for, researcher2, auditor1):
    reference = find("under_review").reference
    for user in (researcher2, auditor1):
        for suffix, body in (
            ("votes/", {"vote": "approve", "rationale": "x"}),
            ("recuse/", {"reason": "x"}),
            ("request-changes/", {"message": "x"}),
            ("decision/", {"decisions": []}),
        ):
            assert post(api_client_for(user), reference, suffix, body).status_code == 404
    assert post(api_client_for(researcher2), "DAR-9999-000001", "votes/", {}).status_code == 404


@pytest.mark.parametrize(
    "suffix", ["votes/", "recuse/", "request-changes/", "decision/"], ids=lambda s: s
)
@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        None,
        {"vote": None, "rationale": None, "dataset": None},
        {"reason": 5, "message": ["x"]},
        {"decisions": [None, 1, "x"]},
        {"decisions": [{"dataset": "DACD\x00000004", "decision": "approved"}]},
        {"vote": "approve", "rationale": "a\x00b", "reason": "a\x00b", "message": "a\x00b"},
        {"unknown": 1},
        {"decisions": {"dataset": "DACD000004"}},
        {"decisions": [{"dataset": "DACD000004", "decision": "approved", "conditions": [1]}]},
        {"vote": "approve", "rationale": "x" * 6000},
    ],
)
def test_junk_bodies_are_400_never_500(api_client_for, chair1, suffix, body):
    reference = find("under_review").reference
    response = post(api_client_for(chair1), reference, suffix, body)
    assert response.status_code == 400, response.content


def test_request_changes_then_the_applicant_reads_the_message(api_client_for, chair1, researcher1):
    reference = find("under_review").reference
    response = post(
        api_client_for(chair1), reference, "request-changes/", {"message": "Add the DMP."}
    )
    assert response.status_code == 200 and response.json()["status"] == "changes_requested"
    assert (
        "resubmit"
        in api_client_for(researcher1)
        .get(f"/api/v1/requests/{reference}/")
        .json()["allowed_actions"]
    )
    events = api_client_for(researcher1).get(f"/api/v1/requests/{reference}/events/").json()
    assert "Add the DMP." in json.dumps(events)


def test_committee_notes_votes_and_recusals_never_reach_the_applicant(
    api_client_for, researcher1, official1, member2, member3, chair1
):
    reference = find("under_review").reference
    access_request = find("under_review")
    review_services.access_request_conflict_waive(
        access_request=access_request, member=member3, reason="SECRET-WAIVER", actor=chair1
    )
    review_services.access_request_recuse(
        access_request=access_request, reason="SECRET-RECUSAL colleague", actor=member3
    )
    review_services.access_request_vote(
        access_request=access_request, vote="approve", rationale="SECRET-RATIONALE", actor=member2
    )
    review_services.access_request_note_add(
        access_request=access_request, body="SECRET-NOTE", actor=chair1
    )
    review_services.access_request_decide(
        access_request=access_request,
        decisions=[
            {"dataset": "DACD000004", "decision": "approved", "conditions": ["Cite the cohort."]}
        ],
        actor=chair1,
    )
    for user in (researcher1, official1):
        client = api_client_for(user)
        seen = json.dumps(
            [
                client.get(f"/api/v1/requests/{reference}/").json(),
                client.get(f"/api/v1/requests/{reference}/status/").json(),
                client.get(f"/api/v1/requests/{reference}/events/?page_size=100").json(),
                client.get("/api/v1/requests/").json(),
            ]
        )
        for secret in ("SECRET", "vote_cast", "recused", "note_added", 'approve"'):
            assert secret not in seen, (user.username, secret)
        assert "Cite the cohort." in seen  # the decision and its conditions are theirs
    committee_view = api_client_for(member2).get(f"/api/v1/requests/{reference}/events/").json()
    assert "access_request.vote_cast" in json.dumps(committee_view)
