"""Two decisions racing on one request, on PostgreSQL with two real connections: the
row lock (SELECT … FOR UPDATE) lets exactly one through; the other sees the decided
status and is refused with 409, and nothing of it is written."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from access_requests.models import RequestedDataset
from access_requests.review import services as review_services
from access_requests.review.demo import find
from accounts.models import User
from audit.models import AuditEvent
from dac_portal.errors import InvalidTransition

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _race(work):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def target(index):
        try:
            barrier.wait()
            results.append(work(index))
        except Exception as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_two_concurrent_decisions_give_exactly_one(seeded, require_postgres):
    assert connection.vendor == "postgresql"
    request = find("under_review")
    member2 = User.objects.get(username="member2")
    # member1 approved in the demo; a rejection makes a tie, so either outcome is allowed.
    review_services.access_request_vote(
        access_request=request, vote="reject", rationale="Too broad.", actor=member2
    )
    chair = User.objects.get(username="chair1")
    choices = [
        {"dataset": "DACD000004", "decision": "approved", "conditions": ["Cite the cohort."]},
        {"dataset": "DACD000004", "decision": "rejected", "reason": "Purpose too broad."},
    ]

    def decide(index):
        return review_services.access_request_decide(
            access_request=request, decisions=[choices[index]], actor=chair
        ).status

    results, errors = _race(decide)
    assert len(results) == 1, (results, errors)
    assert len(errors) == 1 and isinstance(errors[0], InvalidTransition)
    assert errors[0].details["status"] == results[0]
    events = AuditEvent.objects.filter(action="access_request.decided", object_id=request.reference)
    assert events.count() == 1
    row = RequestedDataset.objects.get(access_request=request)
    assert row.decision == results[0] and row.is_open is False
    from agreements.models import Grant

    assert Grant.objects.filter(access_request=request).count() == (
        1 if results[0] == "approved" else 0
    )


def test_the_two_committees_chairs_deciding_at_once_both_count_and_close_the_review(
    seeded, require_postgres
):
    """The demo's mixed request: chair1 (DACD000009) and chair2 (DACD000008) decide at the
    same moment. The row lock serialises them: both decisions are recorded, and whichever
    comes second sees the first and moves the request to approved (never stuck
    under_review with every dataset decided)."""
    assert connection.vendor == "postgresql"
    request = find("mixed")
    member2 = User.objects.get(username="member2")
    review_services.access_request_vote(
        access_request=request,
        vote="approve",
        rationale="Fine.",
        dataset="DACD000009",
        actor=member2,
    )
    chairs = [User.objects.get(username="chair1"), User.objects.get(username="chair2")]
    datasets = ["DACD000009", "DACD000008"]

    def decide(index):
        return review_services.access_request_decide(
            access_request=request,
            decisions=[{"dataset": datasets[index], "decision": "approved"}],
            actor=chairs[index],
        ).status

    results, errors = _race(decide)
    assert not errors, errors
    assert sorted(results) == ["approved", "under_review"]
    request.refresh_from_db()
    assert request.status == "approved"
    events = AuditEvent.objects.filter(action="access_request.decided", object_id=request.reference)
    assert sorted(e.data["new_status"] for e in events) == ["approved", "under_review"]
    from agreements.models import Grant

    assert Grant.objects.filter(access_request=request).count() == 2
