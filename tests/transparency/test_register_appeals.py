"""The register counts appeals and their outcomes (issue 18), and each committee's public
page says how it hears appeals and decides renewals."""

from __future__ import annotations

import pytest

from access_requests.models import Appeal, AppealStatus
from transparency import selectors

pytestmark = pytest.mark.django_db


def test_the_register_counts_the_demo_appeal_being_heard(client):
    counts = selectors.appeal_counts()
    assert counts.filed == Appeal.objects.count() >= 1
    assert counts.pending == Appeal.objects.filter(status=AppealStatus.PENDING).count()
    shown = client.get("/register/").content.decode()
    assert f"{counts.filed} rejection" in shown and "being heard" in shown


def test_outcomes_are_counted_by_committee(django_assert_max_num_queries):
    Appeal.objects.filter(status=AppealStatus.PENDING).update(
        status=AppealStatus.UPHELD, decided_at="2026-12-01T00:00Z", reason="Upheld."
    )
    with django_assert_max_num_queries(1):
        mine = selectors.appeal_counts(committee="genomics-dac")
    assert mine.upheld >= 1 and mine.pending == 0
    assert selectors.appeal_counts(committee="rare-registry-dac").filed == 0


def test_the_committee_page_states_its_appeal_and_renewal_policy(client):
    shown = client.get("/committees/genomics-dac/").content.decode()
    assert "Within 30 days of a rejection, heard by members who took no part" in shown
    assert "Renewals" in shown
