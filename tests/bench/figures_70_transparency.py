"""Transparency page figures, in process through the whole Django stack (session,
middleware, template) for an anonymous visitor, on whatever requests the bench database
holds (figures_45 leaves BENCH_REVIEW_REQUESTS of them, 1M by default; on a fresh database
only the demo's):

1. p95 (and median) of GET /register/ over its uses: the first page, a search, the
   committee and dataset filters, and keyset pages reached by following "next";
2. SQL queries per /register/ page at 10 and at 100 rows (equal: nothing per row);
3. the daily rebuild of the statistics rollup (docs/adr/0015), and /stats/ counted from
   the requests alone, without it (what every uncached view cost before the rollup);
4. p95 (and median) of GET /stats/ computed at every view from the rollup (cache off), and
   its queries (a fixed handful); then with the figures cached
   (TRANSPARENCY_STATS_CACHE_SECONDS, as served); and the charts alone (issue 20: the
   quarters query and every chart's layout), which the computed /stats/ figure includes;
5. p95 of GET /committees/genomics-dac/, cache off and on.

Issue 19 sets the targets: /stats/ and /committees/<slug>/ computed (cache off) and
/register/ p95 < 200 ms at 1M requests.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section, stderr

ROUNDS = int(os.environ.get("BENCH_TRANSPARENCY_ROUNDS", "10"))
DEEP_PAGES = 3


def _register_paths(client: Any) -> list[str]:
    paths = [
        "/register/",
        "/register/?q=reference+panel",
        "/register/?committee=genomics-dac",
        "/register/?dataset=DACD000005",
    ]
    url = "/register/?format=json&page_size=25"
    for _ in range(DEEP_PAGES):
        response = client.get(url)
        next_url = response.json()["next"]
        if not next_url:
            break
        url = next_url.split("://", 1)[-1].split("/", 1)[-1]
        url = "/" + url
        paths.append(url.replace("format=json&", ""))
    return paths


def _timings(client: Any, paths: list[str], rounds: int) -> list[float]:
    for path in paths:  # warm caches and plans
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    timings: list[float] = []
    for _ in range(rounds):
        for path in paths:
            start = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return timings


def _queries(client: Any, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection
    from django.test import Client

    from access_requests.models import AccessRequest

    client = Client()
    requests_total = AccessRequest.objects.count()
    database = connection.vendor
    common = {"requests": requests_total, "database": database}

    with section("transparency: register"):
        paths = _register_paths(client)
        timings = _timings(client, paths, ROUNDS)
    yield Figure(
        "GET /register/ p95 (anonymous; first page, search, filters, keyset pages)",
        p95(timings),
        "ms",
        target="< 200 (the review queue's target; none set for this page)",
        higher_is_better=False,
        extra={
            **common,
            "median_ms": round(statistics.median(timings), 2),
            "samples": len(timings),
            "paths": len(paths),
        },
    )
    counts = {size: _queries(client, f"/register/?page_size={size}") for size in (10, 100)}
    yield Figure(
        "SQL queries per /register/ page, 100 rows vs 10",
        counts[100],
        "queries",
        target=f"= {counts[10]} (the 10-row page)",
        higher_is_better=False,
        extra={"queries_10_rows": counts[10], "queries_100_rows": counts[100], **common},
    )

    from django.core.cache import cache
    from django.test.utils import override_settings

    yield from _rollup_figures(client, common)
    with section("transparency: statistics"), override_settings(TRANSPARENCY_STATS_CACHE_SECONDS=0):
        timings = _timings(client, ["/stats/"], ROUNDS)
        queries = _queries(client, "/stats/")
    yield Figure(
        "GET /stats/ p95, computed at every view from the rollup (anonymous; last 12 months)",
        p95(timings),
        "ms",
        target="< 200 at 1M requests, cache off",
        higher_is_better=False,
        extra={
            **common,
            "median_ms": round(statistics.median(timings), 2),
            "samples": len(timings),
            "queries": queries,
        },
    )
    yield _charts_figure(common)
    cache.clear()
    timings = _timings(client, ["/stats/"], ROUNDS * 10)
    yield Figure(
        "GET /stats/ p95, figures cached (as served)",
        p95(timings),
        "ms",
        target="< 200 (the review queue's target; none set for this page)",
        higher_is_better=False,
        extra={**common, "median_ms": round(statistics.median(timings), 2)},
    )

    with (
        section("transparency: committee page"),
        override_settings(TRANSPARENCY_STATS_CACHE_SECONDS=0),
    ):
        timings = _timings(client, ["/committees/genomics-dac/"], ROUNDS)
    cached = _timings(client, ["/committees/genomics-dac/"], ROUNDS * 10)
    yield Figure(
        "GET /committees/genomics-dac/ p95, computed at every view from the rollup (anonymous)",
        p95(timings),
        "ms",
        target="< 200 at 1M requests, cache off",
        higher_is_better=False,
        extra={
            **common,
            "median_ms": round(statistics.median(timings), 2),
            "cached_p95_ms": round(p95(cached), 2),
            "cached_queries": _queries(client, "/committees/genomics-dac/"),
        },
    )
    if requests_total < 10_000:
        stderr("[bench] figures_70: few requests; run figures_45 first for 1M")


def _rollup_figures(client: Any, common: dict[str, Any]) -> Iterator[Figure]:
    """The daily job that rebuilds the statistics rollup, and, for comparison, /stats/
    counted from the requests alone (no rollup: what every view cost before it)."""
    from django.db import transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from transparency.models import RollupState
    from transparency.rollup import rollup_refresh

    with (
        section("transparency: statistics without the rollup"),
        override_settings(TRANSPARENCY_STATS_CACHE_SECONDS=0),
        transaction.atomic(),
    ):
        RollupState.objects.all().delete()  # rolled back: only this block sees no rollup
        without = _timings(client, ["/stats/"], max(ROUNDS // 3, 2))
        transaction.set_rollback(True)
    with section("transparency: rollup rebuild"):
        start = time.perf_counter()
        result = rollup_refresh(timezone.now(), force=True)
        seconds = time.perf_counter() - start
    yield Figure(
        "Statistics rollup rebuild (the daily job), every day before today",
        seconds,
        "s",
        target="none (a background job, once a day)",
        higher_is_better=False,
        extra={
            **common,
            "rows": result["rows"],
            "stats_p95_ms_without_rollup": round(p95(without), 1),
        },
    )


def _charts_figure(common: dict[str, Any]) -> Figure:
    """The charts alone (issue 20): the quarters read from the rollup and today's requests,
    then every chart laid out from the figures the page already has (`/stats/` above
    includes this)."""
    from django.utils import timezone

    from transparency import charts, selectors
    from transparency.rollup import quarterly_counts, window_tally

    now = timezone.now()
    since = now - timedelta(days=selectors.WINDOW_DAYS)
    stats = selectors.statistics(now=now)
    tally = window_tally(since=since)
    turnaround = [
        (f.name, f.median_days, f.p90_days, f.timed, f.committee.review_target_days)
        for f in stats.committees
        if f.committee is not None
    ]
    timings = []
    for _ in range(ROUNDS * 3):
        start = time.perf_counter()
        charts.quarters_chart(quarterly_counts(since=since), since, now)
        charts.turnaround_chart(turnaround)
        for grouping in charts.EQUITY_GROUPINGS:
            charts.equity_chart(charts.equity_rows(tally, grouping), grouping)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return Figure(
        "Statistics charts alone p95 (quarters query and layout; the rest from the figures)",
        p95(timings),
        "ms",
        target="none (part of GET /stats/ above)",
        higher_is_better=False,
        extra={**common, "median_ms": round(statistics.median(timings), 2)},
    )
