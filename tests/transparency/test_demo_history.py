"""The demo history (transparency.demo): a year of decided requests that gives /stats/ groups
of five or more to chart and real turnaround figures; seeded once, whatever the reruns."""

from __future__ import annotations

from typing import Any

import pytest

from access_requests.models import AccessRequest
from accounts.models import User
from audit.models import AuditEvent
from transparency import demo, selectors

pytestmark = pytest.mark.django_db

REVIEWERS = ("chair1", "member1", "member2", "chair2", "member4")


def _seed(settings: Any) -> dict[str, Any]:
    settings.DEMO_HISTORY = True
    ctx: dict[str, Any] = {
        "users": {u.username: u for u in User.objects.filter(username__in=REVIEWERS)}
    }
    demo.seed(ctx)
    return ctx


def _plotted(chart: Any) -> list[str]:
    return [row.label for row in chart.rows if any(cell.plotted for cell in row.cells)]


def test_the_suites_seed_has_no_history_because_the_test_settings_turn_it_off(settings):
    assert settings.DEMO_HISTORY is False
    demo.seed({})
    assert not User.objects.filter(username__startswith=demo.PREFIX).exists()


def test_after_the_history_stats_charts_three_regions_three_income_groups_and_the_quarters(
    settings,
):
    _seed(settings)
    stats = selectors.statistics()
    assert len(_plotted(stats.charts["region"])) >= 3
    assert len(_plotted(stats.charts["income"])) >= 3
    assert len(_plotted(stats.charts["quarters"])) > 1
    medians = {f.committee.slug: f.median_days for f in stats.committees if f.committee}
    assert set(medians) >= {"genomics-dac", "rare-registry-dac"}
    assert all(days is not None and days > 0 for days in medians.values()), medians
    # One seed serves the checks of the requests too: seeding is the slow part.
    _assert_decided_5_to_60_days_after_routing()


def _assert_decided_5_to_60_days_after_routing() -> None:
    decided = AccessRequest.objects.filter(
        applicant__username__startswith=demo.PREFIX, decided_at__isnull=False
    )
    assert 40 <= decided.count() <= 60
    for reference, submitted, routed, decided_at in decided.values_list(
        "reference", "submitted_at", "routed_at", "decided_at"
    ):
        assert submitted and routed and decided_at, reference
        days = (decided_at - routed).total_seconds() / 86400
        assert 5 <= days <= 61, (reference, days)
        assert submitted <= routed


def test_seeding_the_history_twice_changes_nothing(settings):
    _seed(settings)
    counts = (AccessRequest.objects.count(), AuditEvent.objects.count())
    assert _seed(settings)["history_requests"] == 0
    assert (AccessRequest.objects.count(), AuditEvent.objects.count()) == counts
