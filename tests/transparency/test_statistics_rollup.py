"""The statistics rollup: counted per day by a job, added up with what happened since, the
figures are those counted from the requests alone; a decision shows at once; the job does
its work once a day; the percentiles are percentile_cont's."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from dac_portal import jobs
from transparency import rollup, selectors
from transparency.models import DailyFigure, RollupState

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_set(request_at, researcher1, researcher2, now):
    """Requests across the year: decided after whole and fractional days, withdrawn, under
    review, and one outside the window."""
    made = []
    for i, (days_ago, decision, days) in enumerate(
        [
            (300, "approved", 4.2),
            (200, "rejected", 10),
            (150, "approved", 2.5),
            (90, "approved", 31),
            (40, "rejected", 0.4),
            (20, "approved", 7),
            (400, "approved", 10),
        ]
    ):
        applicant = researcher1 if i % 2 else researcher2
        made.append(request_at(applicant, now - timedelta(days=days_ago), decision, days))
    made.append(request_at(researcher1, now - timedelta(days=60), withdraw=True))
    made.append(request_at(researcher2, now - timedelta(days=10)))
    return made


def snapshot(stats: selectors.Statistics) -> dict:
    return {
        "overall": _plain(stats.overall),
        "committees": [_plain(f) for f in stats.committees],
        "by_country": [asdict(b) for b in stats.by_country],
        "by_type": [asdict(b) for b in stats.by_type],
    }


def _plain(figures: selectors.Figures) -> dict:
    values = asdict(figures)
    values["committee"] = figures.committee.pk if figures.committee else None
    return values


def test_the_figures_from_the_rollup_are_those_counted_from_the_requests(varied_set, now):
    counted = snapshot(selectors.statistics(now=now))
    result = rollup.rollup_refresh(now)
    assert result["refreshed"] and result["rows"] > 0
    assert DailyFigure.objects.exists()
    assert snapshot(selectors.statistics(now=now)) == counted


def test_a_committee_page_reads_the_same_figures_from_the_rollup(varied_set, small_committee, now):
    counted = _plain(selectors.committee_turnaround(small_committee, now=now))
    rollup.rollup_refresh(now)
    assert _plain(selectors.committee_turnaround(small_committee, now=now)) == counted
    assert counted["decided"] == 6 and counted["median_days"] == 5.6


def test_a_decision_made_after_the_refresh_counts_at_once(
    request_at, researcher1, small_committee, now
):
    # The rollup ends two days ago: yesterday's request is counted from the requests.
    rollup.rollup_refresh(now - timedelta(days=2))
    before = selectors.committee_turnaround(small_committee, now=now)
    request_at(researcher1, now - timedelta(days=1), "approved", 0.125)
    after = selectors.committee_turnaround(small_committee, now=now)
    assert (after.submitted, after.approved) == (before.submitted + 1, before.approved + 1)
    assert after.median_days == 0.1


def test_the_job_rebuilds_once_a_day_and_the_next_day_again(varied_set, now):
    first = jobs.run(rollup_job(), now=now)
    assert first["refreshed"] is True
    assert jobs.run(rollup_job(), now=now + timedelta(minutes=5))["refreshed"] is False
    assert jobs.run(rollup_job(), now=now, dry_run=True)["due"] is False
    tomorrow = now + timedelta(days=1)
    assert jobs.run(rollup_job(), now=tomorrow, dry_run=True)["due"] is True
    assert jobs.run(rollup_job(), now=tomorrow)["refreshed"] is True
    assert RollupState.objects.get().complete_until == rollup._midnight(tomorrow).date()


def rollup_job() -> str:
    from transparency.jobs import JOB

    return JOB


def test_a_forced_refresh_counts_a_changed_past_day_again(varied_set, small_committee, now):
    rollup.rollup_refresh(now)
    rejected = next(r for r in varied_set if r.status == "rejected")
    type(rejected).objects.filter(pk=rejected.pk).update(status="approved")
    stale = selectors.committee_turnaround(small_committee, now=now)
    assert stale.approved == 4  # the rollup still counts the rejection of a past day
    rollup.rollup_refresh(now, force=True)
    assert selectors.committee_turnaround(small_committee, now=now).approved == 5


def test_the_statistics_from_the_rollup_cost_the_same_queries_whatever_the_days(
    client, request_at, researcher2, now
):
    request_at(researcher2, now - timedelta(days=30), "approved", 1)
    rollup.rollup_refresh(now)
    client.get("/stats/")
    with CaptureQueriesContext(connection) as before:
        client.get("/stats/")
    for i in range(4):
        request_at(researcher2, now - timedelta(days=50 + 20 * i), "approved", i + 1)
    rollup.rollup_refresh(now, force=True)
    with CaptureQueriesContext(connection) as after:
        client.get("/stats/")
    assert len(after.captured_queries) == len(before.captured_queries) <= 20


def percentile_cont(values: list[int], fraction: float) -> float:
    """PostgreSQL's percentile_cont, written out: interpolate between the nearest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@given(
    st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=60),
    st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]),
)
def test_the_percentile_of_a_histogram_is_percentile_cont_of_its_values(tenths, fraction):
    expected = round(percentile_cont(tenths, fraction) / 10, 1)
    assert rollup.percentile(Counter(tenths), fraction) == expected


def test_an_empty_histogram_has_no_percentile():
    assert rollup.percentile(Counter(), 0.5) is None
