"""Renewal-by-committee figures (issue 18), on the demo's waiting renewal (the active grant
of "Ancestry-aware polygenic scores", which the demo committee votes on):

1. the grant page as a voting member (member2): SQL queries with the demo's 1 vote and with
   30 (target: equal), and its p95 over `/healthz` in the same loop (target < 200 ms);
2. the renewal's tally (agreements.selectors.renewal_tally: the committee's voters,
   conflicts, votes, the voting rule), which the page, the API and the chair's decision
   read, with 30 votes: p95 and queries (target < 10 ms), over the same tally with the
   demo's own vote, measured just before the bench's votes are added.

The extra votes are bench users' (they sit on no committee, so the tally leaves them out,
but the page lists every vote); each run removes them and inserts them again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.bench.harness import (
    Bench,
    Figure,
    p95,
    page_and_floor_ms,
    queries_of,
    repeated_ms,
    section,
    stderr,
)

VOTES = 30
ROUNDS = 40


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
    from agreements.selectors import renewal_tally
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
    # The bench's votes of an earlier run go first, so that "few" is the demo's own.
    renewal.votes.filter(voter__username__startswith="benchrev").delete()
    client.get(path)
    few = renewal.votes.count()
    counted_few = queries_of(lambda: client.get(path))
    tally_few = repeated_ms(lambda: renewal_tally(renewal), ROUNDS)
    tally_queries_few = queries_of(lambda: renewal_tally(renewal))
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
    page, floor = page_and_floor_ms(client, path, ROUNDS)
    yield Figure(
        f"GET grant page p95 (a voting member, {VOTES} renewal votes)",
        p95(page),
        "ms",
        floor=p95(floor),
        target="< 200 ms",
        higher_is_better=False,
        extra={"floor_is": "GET /healthz p95, same client and loop"},
    )
    yield Figure(
        f"renewal tally p95 ({VOTES} votes)",
        p95(repeated_ms(lambda: renewal_tally(renewal), ROUNDS)),
        "ms",
        floor=p95(tally_few),
        target="< 10 ms",
        higher_is_better=False,
        extra={
            "floor_is": f"the same tally with the demo's {few} vote(s), just before",
            "queries": queries_of(lambda: renewal_tally(renewal)),
            "floor_queries": tally_queries_few,
        },
    )
