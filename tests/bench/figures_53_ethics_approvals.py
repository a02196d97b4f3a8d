"""Ethics approval figures (issue 18), on PostgreSQL at the review bench's 1M requests:

1. `access_requests.remind_ethics_expiry` and `agreements.ethics_approvals` as dry runs (what
   falls due, the work every run does before it acts) with 20,000 approvals on file, p95 over
   ROUNDS runs (target < 500 ms each), and their SQL queries (target: the same with 2,000);
2. submitting a request that needs an approval, which looks up the current one: the
   lookup's p95 (target < 5 ms);
3. training records: with the demo committee asking for 12 months (inside a transaction
   rolled back afterwards, so the other figures never see the rule), the applicant's check
   at submission p95 (target < 5 ms) and `access_requests.remind_training_expiry` as a dry
   run over the bench's 1M requests and 1,000 applicants p95 (target < 500 ms).

The approvals belong to bench requests (DAR-9…) under review, one in ten of them renewed, with
expiry dates spread over the next 400 days.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.bench.harness import Bench, Figure, p95, queries_of, section, stderr

SIZES = (2_000, 20_000)
ROUNDS = 15

APPROVALS_SQL = """
WITH picked AS (
    SELECT r.id, r.applicant_id
    FROM access_requests_accessrequest r
    WHERE r.reference >= 'DAR-9' AND r.status = 'under_review'
      AND NOT EXISTS (
          SELECT 1 FROM access_requests_ethicsapproval e WHERE e.access_request_id = r.id
      )
    ORDER BY r.id LIMIT %(count)s
), docs AS (
    INSERT INTO access_requests_document (public_id, access_request_id, kind, filename,
        content_type, size, sha256, ciphertext, uploaded_by_id, uploaded_at)
    SELECT gen_random_uuid(), id, 'ethics_approval', 'approval.pdf', 'application/pdf', 16,
        repeat('0', 64), '\\x00'::bytea, applicant_id, now()
    FROM picked
    RETURNING id, access_request_id, uploaded_by_id
)
INSERT INTO access_requests_ethicsapproval (public_id, access_request_id, document_id,
    approving_body, approval_number, expires_on, filed_by_id, filed_at)
SELECT gen_random_uuid(), d.access_request_id, d.id, 'Bench Ethics Committee',
    'B-' || d.access_request_id, current_date + (d.access_request_id %% 400)::int,
    d.uploaded_by_id, now()
FROM docs d
"""


def _ensure_approvals(count: int) -> None:
    from django.db import connection, transaction

    from access_requests.models import EthicsApproval

    have = EthicsApproval.objects.filter(access_request__reference__startswith="DAR-9").count()
    if have >= count:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(APPROVALS_SQL, {"count": count - have})
        cursor.execute(
            "UPDATE access_requests_requesteddataset SET ethics_approval_required = true "
            "WHERE access_request_id IN (SELECT access_request_id FROM "
            "access_requests_ethicsapproval)"
        )
        cursor.execute("ANALYZE access_requests_ethicsapproval")
        cursor.execute("ANALYZE access_requests_requesteddataset")
    stderr(f"[bench] {count} ethics approvals")


def _timed_runs(call: Any) -> list[float]:
    call()  # warm plans
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import connection
    from django.utils import timezone

    from access_requests import ethics
    from access_requests.models import AccessRequest
    from dac_portal import jobs
    from tests.bench.figures_45_review import TOTAL, _ensure_requests

    if connection.vendor != "postgresql":
        stderr("[bench] figures_53_ethics_approvals needs PostgreSQL; skipped")
        return
    with section(f"ethics: {TOTAL} bench requests"):
        _ensure_requests(TOTAL)
    now = timezone.now() + timedelta(days=5)
    names = ("access_requests.remind_ethics_expiry", "agreements.ethics_approvals")
    counted: dict[int, dict[str, int]] = {}
    for size in SIZES:
        with section(f"ethics: {size} approvals"):
            _ensure_approvals(size)
        counted[size] = {
            name: queries_of(lambda name=name: jobs.run(name, now=now, dry_run=True))
            for name in names
        }
    for name in names:
        times = _timed_runs(lambda name=name: jobs.run(name, now=now, dry_run=True))
        yield Figure(
            f"{name} dry run p95 at {SIZES[-1]} approvals, {TOTAL} requests",
            p95(times),
            "ms",
            target="< 500 ms",
            higher_is_better=False,
            extra={"median_ms": round(sorted(times)[len(times) // 2], 2)},
        )
        yield Figure(
            f"SQL queries of {name} (dry run) at {SIZES[-1]} approvals vs {SIZES[0]}",
            counted[SIZES[-1]][name],
            "queries",
            target=f"= {counted[SIZES[0]][name]} ({SIZES[0]} approvals)",
            higher_is_better=False,
        )
    request = AccessRequest.objects.filter(ethics_approvals__isnull=False).first()
    today = timezone.localdate()
    times = _timed_runs(lambda: ethics.current_approval(request, today))
    yield Figure(
        "current ethics approval lookup at submission p95",
        p95(times),
        "ms",
        target="< 5 ms",
        higher_is_better=False,
    )
    yield from _training_figures(now)


def _training_figures(now: Any) -> Iterator[Figure]:
    from django.db import transaction
    from django.utils import timezone

    from access_requests.models import AccessRequest
    from accounts.models import Committee, TrainingRecord
    from accounts.training import training_missing
    from dac_portal import jobs

    with transaction.atomic():
        committee = Committee.objects.get(slug="genomics-dac")
        committee.training_required_months = 12
        committee.save(update_fields=["training_required_months"])
        applicants = list(
            AccessRequest.objects.filter(reference__startswith="DAR-9")
            .values_list("applicant_id", flat=True)
            .distinct()[:1000]
        )
        TrainingRecord.objects.bulk_create(
            TrainingRecord(
                user_id=user_id,
                kind="data_protection",
                course="Bench course",
                provider="Bench",
                completed_on=timezone.localdate() - timedelta(days=300 + i % 100),
                certificate=f"B-{user_id}",
            )
            for i, user_id in enumerate(applicants)
        )
        applicant = AccessRequest.objects.filter(reference__startswith="DAR-9").first().applicant
        today = timezone.localdate()
        check = _timed_runs(lambda: training_missing(applicant, [committee], today))
        remind = _timed_runs(
            lambda: jobs.run("access_requests.remind_training_expiry", now=now, dry_run=True)
        )
        transaction.set_rollback(True)
    yield Figure(
        "training requirement check at submission p95",
        p95(check),
        "ms",
        target="< 5 ms",
        higher_is_better=False,
    )
    yield Figure(
        f"access_requests.remind_training_expiry dry run p95 ({len(applicants)} applicants)",
        p95(remind),
        "ms",
        target="< 500 ms",
        higher_is_better=False,
    )
