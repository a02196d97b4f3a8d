"""A committee may accept requests only from researchers with a current bona fide status
(a GA4GH ResearcherStatus visa brought at a federated sign-in, docs/identity.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access_requests import services
from accounts.models import Committee, ResearcherVisa
from dac_portal.errors import Conflict
from tests.access_requests.conftest import last_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def bona_fide_committee(db: object) -> Committee:
    committee = Committee.objects.get(slug="genomics-dac")
    committee.bona_fide_required = True
    committee.save(update_fields=["bona_fide_required"])
    return committee


def test_an_applicant_without_a_bona_fide_status_is_refused_with_the_reason(
    researcher2, complete_data, bona_fide_committee
):
    request = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )

    with pytest.raises(Conflict) as refused:
        services.access_request_submit(access_request=request, actor=researcher2)

    assert refused.value.status_code == 409
    assert refused.value.code == "bona_fide_required"
    assert "Genomics Data Access Committee" in refused.value.message
    request.refresh_from_db()
    assert request.status == "draft"
    assert last_event("access_request.submitted", request.reference) is None


def test_an_expired_status_counts_as_none(researcher2, complete_data, bona_fide_committee):
    ResearcherVisa.objects.create(
        user=researcher2,
        provider_id="testidp",
        type="ResearcherStatus",
        value="https://doi.org/10.1038/s41431-018-0219-y",
        source="https://www.example.org",
        issuer="https://visas.example.org",
        asserted=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    request = services.access_request_create(
        applicant=researcher2, data=complete_data(), actor=researcher2
    )

    with pytest.raises(Conflict):
        services.access_request_submit(access_request=request, actor=researcher2)


def test_a_current_status_lets_the_request_through(researcher1, complete_data, bona_fide_committee):
    # researcher1 brought a ResearcherStatus visa in the demo data (accounts/demo.py).
    request = services.access_request_create(
        applicant=researcher1, data=complete_data(), actor=researcher1
    )

    services.access_request_submit(access_request=request, actor=researcher1)

    request.refresh_from_db()
    assert request.status == "submitted"
