"""Fixtures of the transparency tests: the request-building helpers of the access request
tests, and a small committee of its own whose requests are made through the services at
known times, so its statistics can be checked by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest
from access_requests.review import services as review_services
from accounts.models import Committee
from accounts.services import committee_create, committee_membership_add
from tests.access_requests.conftest import (  # noqa: F401  (fixtures)
    ALL_ATTESTATIONS,
    FULL_PURPOSE,
    make_dataset,
)


@pytest.fixture(autouse=True)
def fresh_statistics(settings: Any) -> None:
    """Compute the statistics at every view (their cache is tested on its own)."""
    settings.TRANSPARENCY_STATS_CACHE_SECONDS = 0


@pytest.fixture
def small_committee(db: Any, chair1: Any) -> Committee:
    """A committee where the chair decides alone (quorum 1), target 7 days."""
    committee = committee_create(
        actor=None,
        slug="small-dac",
        name="Small Test Committee",
        policy_text="First paragraph <b>not bold</b>.\n\nSecond paragraph.",
        voting_rule="chair",
        quorum=1,
        review_target_days=7,
    )
    committee_membership_add(committee=committee, user=chair1, role="chair", actor=None)
    return committee


@pytest.fixture
def request_at(
    small_committee: Committee,
    make_dataset: Callable[..., Any],  # noqa: F811  (the fixture imported above)
    chair1: Any,
) -> Callable[..., AccessRequest]:
    """Make a request of `applicant` for a fresh dataset of the small committee, submitted
    at `submitted`; then decide it (`decision`, after `days`), withdraw it, or leave it."""

    def make(
        applicant: Any,
        submitted: datetime,
        decision: str | None = None,
        days: float = 0,
        withdraw: bool = False,
        title: str = "Variants in hypertension",
        lay_summary: str = "We look for genetic variants linked to high blood pressure.",
    ) -> AccessRequest:
        dataset = make_dataset(committee=small_committee)
        with time_machine.travel(submitted, tick=False):
            request = services.access_request_create(
                applicant=applicant,
                data={
                    "title": title,
                    "lay_summary": lay_summary,
                    "research_use_statement": "Association analysis.",
                    "purpose": dict(FULL_PURPOSE),
                    "datasets": [dataset.accession],
                    "attestations": dict(ALL_ATTESTATIONS),
                },
                actor=applicant,
            )
            services.access_request_submit(access_request=request, actor=applicant)
            request.refresh_from_db()
            if withdraw:
                services.access_request_withdraw(
                    access_request=request, reason="No longer needed.", actor=applicant
                )
        if decision:
            with time_machine.travel(submitted + timedelta(days=days), tick=False):
                review_services.access_request_vote(
                    access_request=request,
                    vote="approve" if decision == "approved" else "reject",
                    rationale="Secret rationale of the chair.",
                    actor=chair1,
                )
                review_services.access_request_decide(
                    access_request=request,
                    decisions=[
                        {
                            "dataset": dataset.accession,
                            "decision": decision,
                            **(
                                {"reason": "Secret reason of rejection."}
                                if decision == "rejected"
                                else {}
                            ),
                        }
                    ],
                    actor=chair1,
                )
        request.refresh_from_db()
        return request

    return make


@pytest.fixture
def now() -> datetime:
    return timezone.now()
