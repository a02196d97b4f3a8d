"""Batch decisions from the queue (issue 17): one outcome with one reason for several
requests, each decided by the same per-request service and audited on its own; a request
that cannot be decided yet is reported and left as it was; bad input changes nothing."""

from __future__ import annotations

import pytest

from access_requests.models import AccessRequest
from access_requests.review import services as review_services
from audit.models import AuditEvent
from dac_portal.errors import ValidationError
from tests.access_requests.conftest import vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(reviewing, member1, member2) -> list[AccessRequest]:
    """Three requests under review; the first two have the quorum of two votes."""
    made = [reviewing(rule="majority", quorum=2) for _ in range(3)]
    for request in made[:2]:
        vote(request, member1, "approve")
        vote(request, member2, "approve")
    return made


def statuses(requests: list[AccessRequest]) -> list[str]:
    return [AccessRequest.objects.get(pk=r.pk).status for r in requests]


def test_one_decision_decides_each_quorate_request_and_reports_the_others(three, chair1):
    outcomes = review_services.access_requests_decide_batch(
        access_requests=three,
        decision="approved",
        reason="Consistent with the consent of every dataset.",
        conditions=["Acknowledge the cohort."],
        actor=chair1,
    )
    assert [o.decided for o in outcomes] == [True, True, False]
    assert outcomes[2].code == "quorum_not_met"
    assert statuses(three) == ["approved", "approved", "under_review"]
    for request in three[:2]:
        event = AuditEvent.objects.get(action="access_request.decided", object_id=request.reference)
        assert event.actor == chair1


@pytest.mark.parametrize(
    ("decision", "reason", "conditions", "field"),
    [
        ("maybe", "x", [], "decision"),
        ("rejected", "", [], "reason"),
        ("rejected", "No.", ["A condition"], "conditions"),
    ],
)
def test_an_incomplete_batch_decision_changes_nothing(
    three, chair1, decision, reason, conditions, field
):
    with pytest.raises(ValidationError) as refused:
        review_services.access_requests_decide_batch(
            access_requests=three,
            decision=decision,
            reason=reason,
            conditions=conditions,
            actor=chair1,
        )
    assert field in refused.value.details
    assert statuses(three) == ["under_review"] * 3


def test_a_member_who_chairs_nothing_decides_nothing(three, member1):
    outcomes = review_services.access_requests_decide_batch(
        access_requests=three[:1], decision="approved", reason="", actor=member1
    )
    assert not outcomes[0].decided and outcomes[0].code == "nothing_to_decide"
    assert statuses(three) == ["under_review"] * 3


def test_the_queue_page_checks_then_records_a_batch_decision(three, chair1, client):
    client.force_login(chair1)
    assert b'id="batch-decision"' in client.get("/review/").content
    form = {
        "requests": [r.reference for r in three],
        "batch_decision": "approved",
        "batch_reason": "Within the consented use.",
        "batch_conditions": "Acknowledge the cohort.\nShare derived frequencies.",
    }
    check = client.post("/review/batch-decision/", form)
    assert check.status_code == 200 and b"Check the batch decision" in check.content
    assert b"Share derived frequencies." in check.content
    assert statuses(three) == ["under_review"] * 3
    done = client.post("/review/batch-decision/", {**form, "confirm": "yes"})
    assert done.status_code == 302
    assert statuses(three) == ["approved", "approved", "under_review"]
    decided = AccessRequest.objects.get(pk=three[0].pk)
    row = decided.requested_datasets.get()
    assert row.decision_conditions == ["Acknowledge the cohort.", "Share derived frequencies."]
    # An incomplete one is refused with the reason, nothing recorded.
    bad = {**form, "batch_decision": "rejected", "batch_reason": "", "confirm": "yes"}
    refused = client.post("/review/batch-decision/", bad)
    assert refused.status_code == 400 and b"batch decision is not complete" in refused.content
    assert statuses(three)[2] == "under_review"


def test_the_api_answers_each_request_on_its_own(three, chair1, api_client_for):
    api = api_client_for(chair1)
    body = {"requests": [r.reference for r in three], "decision": "approved"}
    response = api.post("/api/v1/review/batch-decision/", body, format="json")
    assert response.status_code == 200
    assert [r["decided"] for r in response.json()["results"]] == [True, True, False]
    assert (
        api.post(
            "/api/v1/review/batch-decision/",
            {"requests": ["DAR-1999-999999"], "decision": "approved"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        api.post(
            "/api/v1/review/batch-decision/",
            {"requests": "x", "decision": "approved"},
            format="json",
        ).status_code
        == 400
    )
