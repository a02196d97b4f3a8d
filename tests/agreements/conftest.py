"""Fixtures for agreements and grants: an approved request of researcher1 with pending
grants and its agreement, made through the services (agreements.demo.approve_for_demo:
submission, endorsement, committee votes, the chair's decision)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Committee
from agreements.demo import approve_for_demo, sign_all
from agreements.models import Agreement, Grant
from audit.models import AuditEvent


@pytest.fixture
def approved(researcher1: Any, chair1: Any, official1: Any) -> Any:
    """researcher1's approved request for DACD000007 (with member3 as collaborator)."""
    return approve_for_demo(
        applicant=researcher1,
        title="Test request for agreements",
        datasets=["DACD000007"],
        chair=chair1,
        official=official1,
        conditions=["PUB: publish the results"],
        collaborators=[{"username": "member3"}],
    )


@pytest.fixture
def agreement(approved: Any) -> Agreement:
    return Agreement.objects.get(access_request=approved)


@pytest.fixture
def active_grant(approved: Any, official1: Any) -> Grant:
    sign_all(approved, official1)
    return Grant.objects.get(access_request=approved)


@pytest.fixture
def chair_decides_renewals(db: Any) -> Any:
    """The demo committee, told that its chair decides renewals alone (the demo has its
    members vote on them); inside the test's rollback."""
    committee = Committee.objects.get(slug="genomics-dac")
    committee.renewals_by_committee = False
    committee.save(update_fields=["renewals_by_committee"])
    return committee


def events(action: str, **filters: Any) -> list[Any]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))
