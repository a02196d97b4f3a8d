"""Where a request stands (access_requests/progress.py, issue 14): the outcome of its
decisions, Partly approved included, and its progress as steps, on the page and in the
API."""

from __future__ import annotations

import pytest

from access_requests import demo, progress
from access_requests.review.demo import find

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "decisions", "expected"),
    [
        ("under_review", ["approved", None], None),
        ("approved", ["approved", "approved"], "approved"),
        ("approved", ["approved", "rejected"], "partly_approved"),
        ("closed", ["rejected", "approved"], "partly_approved"),
        ("rejected", ["rejected", "rejected"], "rejected"),
        ("draft", [None], None),
    ],
)
def test_the_outcome_names_a_mixed_decision_partly_approved(status, decisions, expected):
    assert progress.outcome(status, decisions) == expected


def states(key: str) -> dict[str, str]:
    request = demo.find(key) if key in ("draft", "withdrawn") else find(key)
    return {step.key: step.state for step in progress.steps(request)}


def test_the_steps_follow_the_request_from_submission_to_the_grant():
    assert states("draft") == {}
    assert states("under_review")["under_review"] == "current"
    assert states("under_review")["decided"] == "todo"
    decided = states("rejected")
    assert decided["decided"] == "done" and decided["agreement"] == "skipped"


def test_a_withdrawn_request_skips_what_never_happened():
    steps = states("withdrawn")
    assert steps["submitted"] == "done"
    assert set(steps.values()) == {"done", "skipped"}


def test_the_api_returns_the_outcome_and_the_progress(api_client_for, researcher1):
    api = api_client_for(researcher1)
    reference = find("rejected").reference
    detail = api.get(f"/api/v1/requests/{reference}/").json()
    assert detail["outcome"] == "rejected"
    assert [s["step"] for s in detail["progress"]] == [
        "submitted",
        "endorsed",
        "under_review",
        "decided",
        "agreement",
        "grant",
    ]
    status = api.get(f"/api/v1/requests/{reference}/status/").json()
    assert status["outcome"] == "rejected"


def test_the_request_page_shows_the_steps_with_the_current_one_marked(client, researcher1):
    client.force_login(researcher1)
    html = client.get(f"/requests/{find('under_review').reference}/").content.decode()
    assert 'data-step="under_review" data-state="current" aria-current="step"' in html


def test_a_partly_approved_request_says_so_on_its_page(client, researcher1):
    from django.db.models import Count

    from access_requests.models import AccessRequest

    # The demo's approved request with two datasets (agreements' demo), one of them now
    # recorded as rejected.
    request = (
        AccessRequest.objects.filter(status="approved", applicant=researcher1)
        .annotate(datasets=Count("requested_datasets"))
        .filter(datasets__gte=2)
        .first()
    )
    assert request is not None, "the demo lost its approved two-dataset request"
    rows = list(request.requested_datasets.all())
    rows[-1].decision = "rejected"
    rows[-1].decision_reason = "Not needed for the aims."
    rows[-1].save()
    client.force_login(researcher1)
    html = client.get(f"/requests/{request.reference}/").content.decode()
    assert 'data-outcome="partly_approved">Partly approved<' in html
