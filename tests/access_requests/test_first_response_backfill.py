"""The first-response backfill (access_requests migration 0015): a request spanning
committees, answered first by one committee's decision while the other still reviews, has
that decision as its first response, as the services record it today."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from access_requests.models import AccessRequest, CommitteeRoute
from access_requests.review import services as review_services
from access_requests.review.demo import find
from accounts.models import User

pytestmark = pytest.mark.django_db

backfill = import_module(
    "access_requests.migrations.0015_first_response_partial_decisions"
).backfill


def decide_the_second_committees_part() -> AccessRequest:
    """chair2 decides DACD000008 of the demo's mixed request; the demo committee's part
    (DACD000009) stays under review, so the request has no decision time yet."""
    request = find("mixed")
    assert request is not None
    return review_services.access_request_decide(
        access_request=request,
        decisions=[{"dataset": "DACD000008", "decision": "approved"}],
        actor=User.objects.get(username="chair2"),
    )


def test_one_committees_decision_is_the_first_response_of_a_request_spanning_two():
    request = decide_the_second_committees_part()
    request.refresh_from_db()
    assert request.status == "under_review" and request.decided_at is None
    route = CommitteeRoute.objects.get(access_request=request, committee__slug="rare-registry-dac")
    assert request.first_response_at == route.decided_at is not None

    # As 0014 left it: nothing, since the request itself had no decision time.
    AccessRequest.objects.filter(pk=request.pk).update(first_response_at=None)
    backfill(apps, None)
    request.refresh_from_db()
    assert request.first_response_at == route.decided_at


def test_an_earlier_first_response_is_kept_and_a_later_one_moved_back():
    request = decide_the_second_committees_part()
    route = CommitteeRoute.objects.get(access_request=request, committee__slug="rare-registry-dac")
    earlier = route.decided_at - dt.timedelta(days=3)
    AccessRequest.objects.filter(pk=request.pk).update(first_response_at=earlier)
    backfill(apps, None)
    request.refresh_from_db()
    assert request.first_response_at == earlier

    AccessRequest.objects.filter(pk=request.pk).update(
        first_response_at=route.decided_at + dt.timedelta(days=3)
    )
    backfill(apps, None)
    request.refresh_from_db()
    assert request.first_response_at == route.decided_at


def test_requests_nobody_answered_are_left_without_a_first_response():
    unanswered = AccessRequest.objects.filter(first_response_at__isnull=True).count()
    backfill(apps, None)
    assert AccessRequest.objects.filter(first_response_at__isnull=True).count() == unanswered
