"""The demo history (transparency.demo): a year of decided requests that gives /stats/ groups
of five or more to chart and real turnaround figures; seeded once, whatever the reruns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from access_requests.models import AccessRequest
from accounts.models import User
from agreements.models import Grant
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


def test_the_history_gives_stats_three_regions_three_income_groups_and_is_seeded_once(
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
    _assert_only_recent_offers_still_wait_for_a_signature()
    # And seeding it again changes nothing.
    counts = (AccessRequest.objects.count(), AuditEvent.objects.count())
    assert _seed(settings)["history_requests"] == 0
    assert (AccessRequest.objects.count(), AuditEvent.objects.count()) == counts


def _assert_only_recent_offers_still_wait_for_a_signature() -> None:
    """Unsigned for longer than the 90-day deadline: lapsed, as the job would have done."""
    history = Grant.objects.filter(access_request__applicant__username__startswith=demo.PREFIX)
    deadline = timezone.now() - timedelta(days=90)
    assert not history.filter(status="pending", created_at__lt=deadline).exists()
    assert history.filter(status="revoked").count() >= 20
    assert history.filter(status="pending").exists()  # the last quarter's approvals
    assert (
        AccessRequest.objects.filter(
            applicant__username__startswith=demo.PREFIX, status="closed"
        ).count()
        == history.filter(status="revoked").count()
    )


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
