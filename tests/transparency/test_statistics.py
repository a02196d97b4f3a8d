"""The public statistics and the committee policy page, on a small known set of requests
made through the services at known times (a committee of its own, so the demo requests do
not blur the figures)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from transparency import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_set(request_at, researcher1, researcher2, now):
    """Decided in the window after 4, 10 and 2 days (target 7: two within); one withdrawn,
    one under review; one decided 400 days ago (outside the window). researcher1 is at a
    Kenyan university, researcher2 at a Mexican government institute."""
    start = now - timedelta(days=100)
    return {
        "a": request_at(researcher1, start, decision="approved", days=4),
        "b": request_at(researcher1, start + timedelta(days=1), decision="rejected", days=10),
        "c": request_at(researcher2, start + timedelta(days=2), decision="approved", days=2),
        "d": request_at(researcher2, start + timedelta(days=3), withdraw=True),
        "e": request_at(researcher2, start + timedelta(days=4)),
        "old": request_at(researcher1, now - timedelta(days=410), decision="approved", days=10),
    }


def figures_table(page: str) -> str:
    start = page.index('data-testid="stats-requests"')
    return page[start : page.index("</table>", start)]


def small(stats: selectors.Statistics) -> selectors.Figures:
    return next(f for f in stats.committees if f.committee and f.committee.slug == "small-dac")


def test_the_figures_of_a_committee_over_the_last_12_months(known_set, now):
    figures = small(selectors.statistics(now=now))
    assert (
        figures.submitted,
        figures.decided,
        figures.approved,
        figures.rejected,
        figures.withdrawn,
        figures.under_review,
    ) == (5, 3, 2, 1, 1, 1)
    assert figures.median_days == 4.0
    assert figures.p90_days == 8.8  # 4 + 0.8 × (10 − 4), as percentile_cont
    assert (figures.within_target, figures.decided_with_due_date) == (2, 3)
    assert figures.within_target_percent == 67


def _counted_twice(now):
    """The figures of the committee routes after a request's first: a request spanning
    committees (the demo has one under review) counts in each committee's column and once
    overall."""
    from access_requests.models import CommitteeRoute

    since = now - timedelta(days=selectors.WINDOW_DAYS)
    routes = CommitteeRoute.objects.exclude(position=0).exclude(access_request__status="draft")
    decided = routes.filter(access_request__decided_at__gte=since)
    return {
        "submitted": routes.filter(access_request__submitted_at__gte=since).count(),
        "decided": decided.filter(
            access_request__status__in=["approved", "rejected", "closed"]
        ).count(),
        "approved": decided.filter(access_request__status__in=["approved", "closed"]).count(),
        "rejected": decided.filter(access_request__status="rejected").count(),
        "withdrawn": routes.filter(access_request__withdrawn_at__gte=since).count(),
        "under_review": routes.filter(access_request__status="under_review").count(),
    }


def test_overall_figures_add_up_the_committees(known_set, now):
    stats = selectors.statistics(now=now)
    twice = _counted_twice(now)
    assert twice["under_review"] >= 1  # the demo's request spanning two committees
    for name in ("submitted", "decided", "approved", "rejected", "withdrawn", "under_review"):
        assert (
            getattr(stats.overall, name)
            == sum(getattr(f, name) for f in stats.committees) - twice[name]
        )
    assert stats.overall.median_days is not None


def test_a_request_spanning_committees_counts_in_each_committees_column(now):
    from access_requests.review.demo import find

    mixed = find("mixed")
    assert mixed.status == "under_review"
    stats = selectors.statistics(now=now)
    by_slug = {f.committee.slug: f for f in stats.committees}
    before = {slug: by_slug[slug].under_review for slug in ("genomics-dac", "rare-registry-dac")}
    assert before["rare-registry-dac"] == 1  # the second committee has only that one
    figures = selectors.committee_turnaround(by_slug["rare-registry-dac"].committee, now=now)
    assert figures.under_review == 1 and figures.submitted == 1


def test_applicants_by_institution_country_and_type(known_set, now):
    stats = selectors.statistics(now=now)
    column = [f.committee.slug for f in stats.committees].index("small-dac")
    by_country = {row.label: row.per_committee[column] for row in stats.by_country}
    assert by_country["KE"] == 2 and by_country["MX"] == 3
    by_type = {row.label: row.per_committee[column] for row in stats.by_type}
    assert by_type["University or research institute"] == 2
    assert by_type["Government agency"] == 3
    # The total counts each request once: a request spanning committees is in each of
    # their columns (the demo's is from Kenya).
    for row in stats.by_country:
        assert row.total == sum(row.per_committee) - (1 if row.label == "KE" else 0)


def test_a_committee_without_decisions_has_no_percentiles(small_committee, now):
    figures = small(selectors.statistics(now=now))
    assert figures.decided == 0
    assert figures.median_days is None and figures.p90_days is None
    assert figures.within_target_percent is None


def test_the_statistics_page_shows_the_tables_with_captions(client, known_set):
    response = client.get("/stats/")
    assert response.status_code == 200
    page = response.content.decode()
    for caption in (
        "Requests and decisions in the last 12 months",
        "Applicants by institution country",
        "Applicants by institution type",
    ):
        assert re.search(rf"<caption[^>]*>{caption}</caption>", page), caption
    assert 'href="/committees/small-dac/"' in page
    # The small committee decided 3 requests: too few for a median, a share or exact counts.
    row = re.search(r"Small Test Committee</a></th>(.*?)</tr>", figures_table(page), re.S)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    # 5 submitted is withheld: the demo committees' small counts of submitted requests
    # would otherwise be the overall total minus it. Approved (2) and rejected (1) are small.
    assert cells[:5] == ["withheld", "&lt; 5", "&lt; 5", "&lt; 5", "&lt; 5"]
    assert cells[5:] == ["—", "—", "—", "&lt; 5"]
    assert "<script" not in page.split("</header>", 1)[-1].split("<footer", 1)[0]
    assert " style=" not in page


def test_the_statistics_cost_a_bounded_number_of_queries_whatever_the_requests(
    client, request_at, researcher2, now
):
    request_at(researcher2, now - timedelta(days=30), decision="approved", days=1)
    client.get("/stats/")
    with CaptureQueriesContext(connection) as before:
        client.get("/stats/")
    for i in range(4):
        request_at(researcher2, now - timedelta(days=20 + i), decision="approved", days=i + 1)
    with CaptureQueriesContext(connection) as after:
        client.get("/stats/")
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_committee_page_shows_its_policy_rules_datasets_turnaround_and_register(
    client, known_set
):
    response = client.get("/committees/small-dac/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Small Test Committee</h1>" in page
    # Plain text in paragraphs, escaped: the committee's markup is shown, not run.
    assert "<p>First paragraph &lt;b&gt;not bold&lt;/b&gt;.</p>" in page
    assert "<p>Second paragraph.</p>" in page
    assert "The chair decides" in page
    assert "1 member" in page
    assert "7 days" in page
    assert "Not required" in page
    assert "365 days" in page
    dataset = known_set["a"].requested_datasets.get().dataset
    assert f'href="/datasets/{dataset.accession}/"' in page
    # 3 decisions: too few for a median or a share (4.0 days, 67 % within target).
    assert page.count("Not shown: fewer than 5 decisions") == 2
    assert "4.0" not in page and "67%" not in page
    assert 'href="/register/?committee=small-dac"' in page


def test_an_unknown_committee_is_the_404_page(client):
    for slug in ("no-such-dac", "x" * 300, "%00"):
        response = client.get(f"/committees/{slug}/")
        assert response.status_code == 404
        assert "<h1>" in response.content.decode()


def test_the_home_page_links_the_register_statistics_and_every_policy_page(client, small_committee):
    page = client.get("/").content.decode()
    assert 'href="/register/"' in page
    assert 'href="/stats/"' in page
    assert 'href="/committees/genomics-dac/"' in page
    assert 'href="/committees/small-dac/"' in page


def test_the_statistics_are_cached_for_the_configured_time(
    client, settings, request_at, researcher2, now
):
    from django.core.cache import cache

    cache.clear()
    settings.TRANSPARENCY_STATS_CACHE_SECONDS = 300
    client.get("/stats/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/stats/").content.decode()
    assert not any("access_requests_accessrequest" in q["sql"] for q in ctx.captured_queries)
    request_at(researcher2, now - timedelta(days=3), decision="approved", days=1)
    again = client.get("/stats/").content.decode()
    assert figures_table(again) == figures_table(page)  # still the cached figures
    # The committee page reads its turnaround from the same figures.
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/committees/genomics-dac/").status_code == 200
    assert not any("access_requests_accessrequest" in q["sql"] for q in ctx.captured_queries)
    cache.clear()
