"""Renewal-by-committee figures (issue 18), on the demo's waiting renewal (the active grant
of "Ancestry-aware polygenic scores", which the demo committee votes on):

1. the grant page as a voting member (member2): SQL queries with the demo's 1 vote and with
   30 (target: equal), and its p95 over `/healthz` in the same loop (target < 200 ms);
2. the renewal's tally (the committee's voters, conflicts, votes, the voting rule), which
   the page, the API and the chair's decision read: p95 (target < 10 ms).

The extra votes are bench users' (they sit on no committee, so the tally leaves them out,
but the page lists every vote); they are inserted once and stay.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, queries_of, section, stderr

VOTES = 30
ROUNDS = 40


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(int(len(values) * 0.95) - 1, 0)]


def _more_votes(renewal: Any, total: int) -> None:
    from accounts.models import User
    from agreements.models import RenewalVote

    missing = total - RenewalVote.objects.filter(renewal=renewal).count()
    if missing <= 0:
        return
    voters = User.objects.filter(username__startswith="benchrev").exclude(
        pk__in=RenewalVote.objects.filter(renewal=renewal).values("voter_id")
    )[:missing]
    RenewalVote.objects.bulk_create(
        [RenewalVote(renewal=renewal, voter=v, vote="approve", rationale="Bench.") for v in voters]
    )


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client

    from accounts.models import User
    from agreements.models import Renewal
    from agreements.services import renewal_tally
    from tests.bench.figures_45_review import _bench_users_and_datasets, _chair_client

    renewal = (
        Renewal.objects.filter(status="pending", by_committee=True)
        .select_related("grant")
        .order_by("id")
        .first()
    )
    if renewal is None:
        stderr("[bench] figures_56_renewal_votes needs the demo's waiting renewal; skipped")
        return
    with section("renewal votes: bench users"):
        _bench_users_and_datasets()
    client = _chair_client(Client(), User.objects.get(username="member2"))
    path = f"/grants/{renewal.grant.reference}/"
    client.get(path)
    few = renewal.votes.count()
    counted_few = queries_of(lambda: client.get(path))
    _more_votes(renewal, VOTES)
    client.get(path)
    counted_many = queries_of(lambda: client.get(path))
    yield Figure(
        f"SQL queries of the grant page with {VOTES} renewal votes vs {few}",
        counted_many,
        "queries",
        target=f"= {counted_few} ({few} votes)",
        higher_is_better=False,
    )
    page, floor = [], []
    for _ in range(ROUNDS):
        for where, into in ((path, page), ("/healthz", floor)):
            start = time.perf_counter()
            response = client.get(where)
            into.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (where, response.status_code)
    yield Figure(
        f"GET grant page p95 (a voting member, {VOTES} renewal votes)",
        _p95(page),
        "ms",
        floor=_p95(floor),
        target="< 200 ms",
        higher_is_better=False,
        extra={"floor_is": "GET /healthz p95, same client and loop"},
    )
    renewal_tally(renewal)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        renewal_tally(renewal)
        times.append((time.perf_counter() - start) * 1000)
    yield Figure(
        "renewal tally p95",
        _p95(times),
        "ms",
        target="< 10 ms",
        higher_is_better=False,
        extra={"queries": queries_of(lambda: renewal_tally(renewal))},
    )
