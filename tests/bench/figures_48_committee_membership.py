"""Committee membership figures (issue 17):

1. the chair's members page (`GET /committees/<slug>/members/`) and the public committee
   page's composition: SQL queries with 5 people and with 300 (target: equal), and the
   members page's p95 with 300 people over `/healthz` in the same loop;
2. the share of lay and community representatives over eight quarters (`/stats/`): the
   one aggregate over the membership history, p95 at 50,000 past and present terms
   (target < 50 ms).

Everything happens on a committee of its own (`bench-membership`), so that the review
figures keep the demo committee as they know it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, section

SLUG = "bench-membership"
PEOPLE = 300
HISTORY = 50_000
ROUNDS = 40


def _committee_with(people: int) -> Any:
    """The bench committee with chair1 as chair and `people` members in all (made once)."""
    from accounts import membership
    from accounts.models import Committee, CommitteeMembership, User
    from accounts.services import committee_create, user_create

    committee = Committee.objects.filter(slug=SLUG).first() or committee_create(
        actor=None, slug=SLUG, name="Bench membership committee"
    )
    chair = User.objects.get(username="chair1")
    if not CommitteeMembership.objects.filter(committee=committee, user=chair).exists():
        membership.committee_membership_add(
            committee=committee, user=chair, role="chair", actor=None
        )
    have = CommitteeMembership.objects.filter(committee=committee).count()
    roles = ("member", "lay", "member", "steward")
    for i in range(have, people):
        username = f"bench-seat-{i}"
        user = User.objects.filter(username=username).first() or user_create(
            username=username, email=f"{username}@example.org", password=None, actor=None
        )
        membership.committee_membership_add(
            committee=committee, user=user, role=roles[i % len(roles)], actor=None
        )
    return committee


def _page_queries(client: Any, path: str) -> int:
    client.get(path)

    def call() -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")

    return queries_of(call)


def _ensure_history(size: int) -> None:
    """`size` closed terms in the membership history (bulk: they only feed the aggregate)."""
    from django.utils import timezone

    from accounts.models import Committee, MembershipPeriod, User

    committee = Committee.objects.get(slug=SLUG)
    have = MembershipPeriod.objects.filter(committee=committee, end_reason="bench").count()
    if have >= size:
        return
    chair = User.objects.get(username="chair1")
    now = timezone.now()
    MembershipPeriod.objects.bulk_create(
        MembershipPeriod(
            committee=committee,
            user=chair,
            role=("member", "lay", "chair")[i % 3],
            started_at=now - timedelta(days=900 - i % 800),
            ended_at=now - timedelta(days=800 - i % 800),
            end_reason="bench",
        )
        for i in range(have, size)
    )


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.selectors import lay_share_over_time
    from tests.bench.figures_45_review import _chair_client

    client = _chair_client(Client(), User.objects.get(username="chair1"))
    members, public = f"/committees/{SLUG}/members/", f"/committees/{SLUG}/"
    with section("membership: a committee of 5"):
        _committee_with(5)
        small = {path: _page_queries(client, path) for path in (members, public)}
    with section(f"membership: a committee of {PEOPLE}"):
        _committee_with(PEOPLE)
        large = {path: _page_queries(client, path) for path in (members, public)}
    for path, label in ((members, "members page"), (public, "public committee page")):
        yield Figure(
            f"SQL queries of the {label} with {PEOPLE} people vs 5",
            large[path],
            "queries",
            target=f"= {small[path]} (5 people)",
            higher_is_better=False,
            extra={"queries_with_5": small[path]},
        )
    page, floor = [], []
    for _ in range(ROUNDS):
        for path, into in ((members, page), ("/healthz", floor)):
            start = time.perf_counter()
            client.get(path)
            into.append((time.perf_counter() - start) * 1000)
    yield Figure(
        f"GET members page p95 with {PEOPLE} people",
        p95(page),
        "ms",
        floor=p95(floor),
        target="< 200 ms",
        higher_is_better=False,
        extra={"floor_is": "GET /healthz p95, same client and loop"},
    )
    with section(f"membership: {HISTORY} terms in the history"):
        _ensure_history(HISTORY)
    now = timezone.now()
    lay_share_over_time(now=now)  # warm the plan
    share = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        lay_share_over_time(now=now)
        share.append((time.perf_counter() - start) * 1000)
    yield Figure(
        f"Lay share over 8 quarters p95 at {HISTORY} terms",
        p95(share),
        "ms",
        target="< 50 ms",
        higher_is_better=False,
        extra={"queries": queries_of(lambda: lay_share_over_time(now=now))},
    )
