"""Appeal figures (issue 18), on PostgreSQL at the review bench's 1M requests:

1. the appeal page (`GET /requests/<ref>/appeal/`) as lay1, a panel member, on a pending
   appeal: SQL queries with 2 votes and with 40 (target: equal), and its p95 over
   `/healthz` in the same loop (target < 200 ms);
2. the roles of a panel member on a rejected request with a pending appeal (every action,
   page and button on such a request asks them): p95, over the same member's roles on a
   request under review in the same loop (target: < 5 ms more; two queries more);
3. the register's appeal counts (`/register/` and per committee) with 20,000 appeals of
   bench rejections on file: the one aggregate's p95 (target < 50 ms).

The appeals are inserted in bulk on bench requests (DAR-9…) rejected by the demo
committee, a third each pending, upheld and overturned; the votes on the page's appeal are
bench users' (they count in no tally, as they sit on no panel, but the page lists them).
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

APPEALS = 20_000
ROUNDS = 40

APPEALS_SQL = """
INSERT INTO access_requests_appeal (public_id, access_request_id, hearing_committee_id,
    statement, took_part, filed_by_id, filed_at, status, decided_by_id, decided_at, reason)
SELECT gen_random_uuid(), r.id, r.committee_id, 'Bench appeal.', '[]'::jsonb,
    r.applicant_id, r.decided_at + interval '3 days',
    CASE r.id %% 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'upheld' ELSE 'overturned' END,
    NULL,
    CASE WHEN r.id %% 3 = 0 THEN NULL ELSE r.decided_at + interval '20 days' END,
    CASE WHEN r.id %% 3 = 0 THEN '' ELSE 'Bench reasons.' END
FROM access_requests_accessrequest r
WHERE r.reference >= 'DAR-9' AND r.status = 'rejected'
  AND NOT EXISTS (SELECT 1 FROM access_requests_appeal a WHERE a.access_request_id = r.id)
ORDER BY r.id LIMIT %(count)s
"""


def _ensure_appeals(count: int) -> None:
    from django.db import connection, transaction

    from access_requests.models import Appeal

    have = Appeal.objects.filter(access_request__reference__startswith="DAR-9").count()
    if have >= count:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(APPEALS_SQL, {"count": count - have})
        cursor.execute("ANALYZE access_requests_appeal")
    stderr(f"[bench] {count} appeals")


def _votes_on(appeal: Any, count: int) -> None:
    """`count` votes on `appeal` in all, from bench users (made by the review bench)."""
    from access_requests.models import AppealVote
    from accounts.models import User

    voters = User.objects.filter(username__startswith="benchrev").order_by("id")[:count]
    AppealVote.objects.bulk_create(
        [AppealVote(appeal=appeal, voter=v, vote="uphold", rationale="Bench.") for v in voters],
        ignore_conflicts=True,
    )


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection
    from django.test import Client

    from access_requests.models import AccessRequest, Appeal
    from access_requests.rules import workflow_roles
    from accounts.models import User
    from tests.bench.figures_45_review import TOTAL, _chair_client, _ensure_requests
    from transparency.selectors import appeal_counts

    if connection.vendor != "postgresql":
        stderr("[bench] figures_54_appeals needs PostgreSQL; skipped")
        return
    with section(f"appeals: {TOTAL} bench requests"):
        _ensure_requests(TOTAL)
    with section(f"appeals: {APPEALS} appeals"):
        _ensure_appeals(APPEALS)
    appeal = (
        Appeal.objects.filter(status="pending", access_request__reference__startswith="DAR-9")
        .select_related("access_request")
        .order_by("id")
        .first()
    )
    assert appeal is not None
    lay1 = User.objects.get(username="lay1")
    client = _chair_client(Client(), lay1)
    path = f"/requests/{appeal.access_request.reference}/appeal/"
    counted = {}
    for votes in (2, 40):
        _votes_on(appeal, votes)
        client.get(path)
        counted[votes] = queries_of(lambda: client.get(path))
    yield Figure(
        "SQL queries of the appeal page with 40 votes vs 2",
        counted[40],
        "queries",
        target=f"= {counted[2]} (2 votes)",
        higher_is_better=False,
    )
    page, floor = page_and_floor_ms(client, path, ROUNDS)
    yield Figure(
        "GET appeal page p95 (a panel member, 40 votes)",
        p95(page),
        "ms",
        floor=p95(floor),
        target="< 200 ms",
        higher_is_better=False,
        extra={"floor_is": "GET /healthz p95, same client and loop"},
    )
    request = appeal.access_request
    reviewing = AccessRequest.objects.filter(
        reference__startswith="DAR-9", status="under_review"
    ).first()
    assert reviewing is not None
    yield Figure(
        "panel member's workflow roles on an appealed request p95",
        p95(repeated_ms(lambda: workflow_roles(lay1, request), ROUNDS)),
        "ms",
        floor=p95(repeated_ms(lambda: workflow_roles(lay1, reviewing), ROUNDS)),
        target="< 5 ms more than the floor",
        higher_is_better=False,
        extra={
            "floor_is": "the same member's roles on a request under review, same loop",
            "queries": queries_of(lambda: workflow_roles(lay1, request)),
            "floor_queries": queries_of(lambda: workflow_roles(lay1, reviewing)),
        },
    )
    for committee, label in (("", "all committees"), ("genomics-dac", "one committee")):
        yield Figure(
            f"register appeal counts p95 at {APPEALS} appeals ({label})",
            p95(
                repeated_ms(lambda committee=committee: appeal_counts(committee=committee), ROUNDS)
            ),
            "ms",
            target="< 50 ms",
            higher_is_better=False,
        )
