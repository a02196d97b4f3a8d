"""Committee review queue figures (PostgreSQL; docs/quality.md: "review queue page with 1M
requests, 10M audit events — p95 < 200 ms, indexes, no count(*) on the full table"):

1. p95 (and median) time of GET /review/ for chair1, through the whole Django stack in
   process (session, middleware, template), over a mix of the queue's uses: the first page,
   each filter (dataset, consent result, age, assigned-to-me) and deep keyset pages reached
   by following the "next page" cursor;
2. SQL queries per queue page at 10 and at 100 rows (equal: nothing is fetched per row).

BENCH_REVIEW_REQUESTS (default 1_000_000) requests of the demo committee are made once and
reused, with INSERT … SELECT over generate_series (the services would take hours): 5% under
review (the queue), the rest decided or closed, each with one requested dataset (1000 bench
datasets, 1000 bench applicants, so the one-open-request-per-dataset rule holds), and 2% of
the open ones assigned to chair1. Audit events: BENCH_REVIEW_EVENTS (default 0: whatever
figures_20 left, BENCH_AUDIT_EVENTS of them) chained events are added with figures_20's
COPY loader; their number is reported with the figure.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.bench.harness import Bench, Figure, p95, section, stderr

TOTAL = int(os.environ.get("BENCH_REVIEW_REQUESTS", "1000000"))
# Audit events to have in the log while measuring (the queue reads none of them; docs/quality.md
# asks for 10M beside the 1M requests). 0: use whatever the log holds (figures_20 fills it).
EVENTS = int(os.environ.get("BENCH_REVIEW_EVENTS", "0"))
OPEN_PERCENT = 5
APPLICANTS = 1000
DATASETS = 1000
BATCH = 250_000
ROUNDS = int(os.environ.get("BENCH_REVIEW_ROUNDS", "40"))
PREFIX = "DAR-9"  # bench references: DAR-9YYY-NNNNNN, a year no real request has


def _bench_users_and_datasets() -> tuple[list[int], list[int]]:
    from django.contrib.auth.hashers import make_password

    from accounts.models import Committee, User
    from consent.models import Dataset, Study

    committee = Committee.objects.get(slug="genomics-dac")
    if User.objects.filter(username__startswith="benchrev").count() < APPLICANTS:
        password = make_password(None)
        User.objects.bulk_create(
            [
                User(username=f"benchrev{i:05d}", password=password, email="")
                for i in range(APPLICANTS)
            ],
            ignore_conflicts=True,
        )
    study = Study.objects.filter(accession="BRVS000001").first() or Study.objects.create(
        accession="BRVS000001", title="Review bench", committee=committee
    )
    if Dataset.objects.filter(study=study).count() < DATASETS:
        Dataset.objects.bulk_create(
            [
                Dataset(
                    accession=f"BRVD{i:06d}",
                    study=study,
                    committee=committee,
                    title=f"Review bench dataset {i}",
                    is_public=False,
                )
                for i in range(DATASETS)
            ],
            ignore_conflicts=True,
        )
    users = list(
        User.objects.filter(username__startswith="benchrev")
        .order_by("id")
        .values_list("id", flat=True)
    )
    datasets = list(
        Dataset.objects.filter(study=study).order_by("accession").values_list("id", flat=True)
    )
    return users, datasets


REQUESTS_SQL = """
INSERT INTO access_requests_accessrequest (
    reference, applicant_id, committee_id, title, lay_summary, research_use_statement,
    status, revision, created_at, updated_at, submitted_at, routed_at, review_due_at,
    decided_at)
SELECT
    'DAR-' || (9000 + i / 1000000)::text || '-' || lpad((i %% 1000000)::text, 6, '0'),
    (%(users)s::bigint[])[1 + i %% {applicants}],
    %(committee)s, 'Bench request ' || i, '', '',
    CASE WHEN i %% 100 < {open_percent} THEN 'under_review'
         WHEN i %% 100 < 60 THEN 'approved'
         WHEN i %% 100 < 90 THEN 'rejected'
         ELSE 'closed' END,
    1, t.routed - interval '2 days', t.routed, t.routed - interval '1 day', t.routed,
    t.routed + make_interval(days => %(target)s),
    CASE WHEN i %% 100 < {open_percent} THEN NULL ELSE t.routed + interval '10 days' END
FROM generate_series(%(start)s, %(stop)s - 1) AS i,
     LATERAL (SELECT now() - (%(total)s - i) * interval '1 minute' AS routed) AS t
"""

ROWS_SQL = """
INSERT INTO access_requests_requesteddataset (
    access_request_id, dataset_id, committee_id, applicant_id, is_open, position,
    consent_result, decision, decision_reason, decision_conditions)
SELECT r.id, (%(datasets)s::bigint[])[1 + (r.n / {applicants}) %% {datasets}], %(committee)s,
    r.applicant_id, r.status = 'under_review', 0,
    CASE r.n %% 3 WHEN 0 THEN 'compatible' WHEN 1 THEN 'needs_review' ELSE 'compatible' END,
    CASE WHEN r.status IN ('approved', 'closed') THEN 'approved'
         WHEN r.status = 'rejected' THEN 'rejected' ELSE '' END,
    CASE WHEN r.status = 'rejected' THEN 'Bench rejection.' ELSE '' END,
    '[]'::jsonb
FROM (
    SELECT id, applicant_id, status,
        (substr(reference, 5, 4)::int - 9000) * 1000000 + substr(reference, 10, 6)::int AS n
    FROM access_requests_accessrequest
    WHERE reference >= %(low)s AND reference < %(high)s
) AS r
"""


# The queue reads committee routes (one per committee a request goes to): each bench
# request is routed to the demo committee, and every 20th also to the demo's second
# committee (a request spanning two committees), so the route table is larger than the
# request table, as it will be once such requests are common.
ROUTES_SQL = """
INSERT INTO access_requests_committeeroute (
    access_request_id, committee_id, position, status, routed_at, review_due_at, decided_at,
    voters)
SELECT id, %(committee)s, %(position)s, status, routed_at, review_due_at, decided_at, 0
FROM access_requests_accessrequest
WHERE reference >= %(low)s AND reference < %(high)s AND id %% %(every)s = 0
"""


def _reference(i: int) -> str:
    return f"DAR-{9000 + i // 1_000_000}-{i % 1_000_000:06d}"


def _ensure_requests(total: int) -> None:
    from django.db import connection, transaction

    from access_requests.models import AccessRequest
    from accounts.models import Committee, User

    existing = AccessRequest.objects.filter(reference__startswith=PREFIX).count()
    if existing >= total:
        stderr(f"[bench] reusing {existing} bench requests")
        return
    users, datasets = _bench_users_and_datasets()
    committee = Committee.objects.get(slug="genomics-dac")
    second = Committee.objects.filter(slug="rare-registry-dac").first()
    requests_sql = REQUESTS_SQL.format(applicants=APPLICANTS, open_percent=OPEN_PERCENT)
    rows_sql = ROWS_SQL.format(applicants=APPLICANTS, datasets=DATASETS)
    start = existing
    while start < total:
        stop = min(total, start + BATCH)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                requests_sql,
                {
                    "users": users,
                    "committee": committee.pk,
                    "target": committee.review_target_days,
                    "start": start,
                    "stop": stop,
                    "total": total,
                },
            )
            bounds = {"low": _reference(start), "high": _reference(stop)}
            cursor.execute(rows_sql, {"datasets": datasets, "committee": committee.pk, **bounds})
            cursor.execute(
                ROUTES_SQL, {"committee": committee.pk, "position": 0, "every": 1, **bounds}
            )
            if second is not None:
                cursor.execute(
                    ROUTES_SQL, {"committee": second.pk, "position": 1, "every": 20, **bounds}
                )
        stderr(f"[bench] {stop} / {total} bench requests")
        start = stop
    chair = User.objects.get(username="chair1")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO access_requests_reviewassignment "
            "(access_request_id, reviewer_id, assigned_by_id, assigned_at) "
            "SELECT id, %s, %s, now() FROM access_requests_accessrequest "
            "WHERE reference >= %s AND status = 'under_review' AND id %% 50 = 0 "
            "ON CONFLICT DO NOTHING",
            [chair.pk, chair.pk, PREFIX],
        )
        for table in (
            "access_requests_accessrequest",
            "access_requests_requesteddataset",
            "access_requests_reviewassignment",
            "access_requests_committeeroute",
        ):
            cursor.execute(f"ANALYZE {table}")


def _paths(client: Any) -> list[str]:
    """The mix of queue uses measured: first pages with each filter, and deep pages."""
    paths = [
        "/review/",
        "/review/?dataset=BRVD000500",
        "/review/?consent=needs_review",
        "/review/?age=300",
        "/review/?mine=1",
        "/review/?status=approved",
        "/review/?dataset=BRVD000007&consent=compatible",
    ]
    # Deep keyset pages: follow the cursor a few hundred rows in, then jump far in by age.
    import re

    path = "/review/"
    for _ in range(5):
        html = client.get(path).content.decode()
        found = re.search(r'href="\?([^"]*after=[^"]*)"', html)
        if not found:
            break
        path = "/review/?" + found.group(1).replace("&amp;", "&")
        paths.append(path)
    return paths


def _chair_client(client: Any, chair: Any) -> Any:
    """Signed in as chair1 with a verified second factor, as production requires of
    committee people (bench settings keep DEBUG off, so OTP is enforced)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=chair, name="bench", defaults={"confirmed": True}
    )
    client.force_login(chair)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _timings(client: Any, paths: list[str], label: str) -> list[float]:
    """Each path's response times in ms over ROUNDS rounds, sorted, after one warming
    request each (caches and plans); a path that does not answer 200 stops the figure."""
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    timings: list[float] = []
    with section(label):
        for _ in range(ROUNDS):
            for path in paths:
                start = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
    return sorted(timings)


def _table_paths() -> list[str]:
    """The queue as a table (issue 17): three filters and a sort, in each order."""
    from django.utils import timezone

    due = (timezone.now() + timedelta(days=10)).date().isoformat()
    base = f"/review/?committee=genomics-dac&consent=needs_review&due_before={due}"
    return [f"{base}&sort={sort}" for sort in ("due", "newest", "waiting")] + [
        "/review/?committee=genomics-dac&dataset=BRVD000500&age=30&sort=due"
    ]


def _table_figure(client: Any, plain_p95: float) -> Figure:
    paths = _table_paths()
    timings = _timings(client, paths, "review: queue table (three filters and a sort)")
    return Figure(
        "GET /review/ p95 with three filters and a sort (committee, consent, due date; "
        "by due date, newest, waiting)",
        p95(timings),
        "ms",
        floor=plain_p95,
        target=200,
        higher_is_better=False,
        extra={
            "median_ms": round(statistics.median(timings), 2),
            "paths": len(paths),
            "floor_is": "the plain queue's p95 measured just before",
        },
    )


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from access_requests.models import AccessRequest
    from accounts.models import User
    from audit.models import ChainHead

    if connection.vendor != "postgresql":
        stderr("[bench] figures_45_review needs PostgreSQL; skipped")
        return
    with section(f"review: {TOTAL} bench requests"):
        started = time.perf_counter()
        _ensure_requests(TOTAL)
        if EVENTS:
            from tests.bench.figures_20_audit import _ensure_events

            _ensure_events(EVENTS)
        stderr(f"[bench] data ready in {time.perf_counter() - started:.1f}s")

    requests_total = AccessRequest.objects.filter(reference__startswith=PREFIX).count()
    head = ChainHead.objects.filter(pk=1).first()
    events = head.seq if head else 0
    client = _chair_client(Client(), User.objects.get(username="chair1"))
    paths = _paths(client)
    timings = _timings(client, paths, "review: queue page timings")
    queue_p95 = p95(timings)
    yield Figure(
        "GET /review/ p95 (chair1; first page, filters, deep keyset pages)",
        queue_p95,
        "ms",
        target=200,
        higher_is_better=False,
        extra={
            "requests": requests_total,
            "under_review": AccessRequest.objects.filter(
                reference__startswith=PREFIX, status="under_review"
            ).count(),
            "audit_events": events,
            "median_ms": round(statistics.median(timings), 2),
            "samples": len(timings),
            "paths": len(paths),
        },
    )

    yield _table_figure(client, queue_p95)

    counts = {}
    for size in (10, 100):
        client.get(f"/review/?page_size={size}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/review/?page_size={size}")
        assert response.status_code == 200
        counts[size] = len(ctx.captured_queries)
    yield Figure(
        "SQL queries per /review/ page, 100 rows vs 10",
        counts[100],
        "queries",
        target=f"= {counts[10]} (the 10-row page)",
        higher_is_better=False,
        extra={"queries_10_rows": counts[10], "queries_100_rows": counts[100]},
    )
