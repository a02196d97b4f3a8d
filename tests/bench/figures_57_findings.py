"""Findings on the public register (issue 21): with published findings on BENCH_FINDINGS
approved requests (2,000 by default), in process through the whole Django stack for an
anonymous visitor:

1. p95 of GET /register/ (first page of 25, every entry with findings), over /healthz in
   the same loop (harness.page_and_floor_ms): the findings cost one query per page;
2. the same for a page of 100 entries;
3. SQL queries per /register/ page at 10 and at 100 rows (target: equal).

The bench's requests, grants, reports and findings are inserted in bulk (references
DAR-5757-…, grants GRT-F…) on the first run and kept: a later run adds only what is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

from tests.bench.harness import Bench, Figure, p95, page_and_floor_ms, queries_of, section

FINDINGS = int(os.environ.get("BENCH_FINDINGS", "2000"))
ROUNDS = int(os.environ.get("BENCH_FINDINGS_ROUNDS", "40"))
PREFIX = "DAR-5757-"


def _approved_with_findings(total: int) -> int:
    """Make sure `total` approved bench requests exist, each with a grant and published
    findings carrying one DOI; returns how many were added."""
    from django.utils import timezone

    from access_requests.models import AccessRequest, RequestedDataset
    from accounts.models import Committee, User
    from agreements.models import Findings, Grant, ProgressReport
    from consent.models import Dataset

    have = AccessRequest.objects.filter(reference__startswith=PREFIX).count()
    if have >= total:
        return 0
    applicant = User.objects.get(username="researcher2")
    committee = Committee.objects.get(slug="genomics-dac")
    dataset = Dataset.objects.filter(committee=committee).order_by("id").first()
    now = timezone.now()
    numbers = range(have, total)
    requests = AccessRequest.objects.bulk_create(
        AccessRequest(
            reference=f"{PREFIX}{n:06d}",
            applicant=applicant,
            institution=applicant.institution,
            committee=committee,
            title=f"Bench findings {n}",
            lay_summary="A bench request with published findings.",
            status="approved",
            submitted_at=now - timedelta(days=30),
            routed_at=now - timedelta(days=30),
            decided_at=now - timedelta(days=20, minutes=n),
        )
        for n in numbers
    )
    rows = RequestedDataset.objects.bulk_create(
        RequestedDataset(
            access_request=r,
            dataset=dataset,
            applicant=applicant,
            is_open=False,
            decision="approved",
            position=0,
        )
        for r in requests
    )
    grants = Grant.objects.bulk_create(
        Grant(
            reference=f"GRT-F{n:09d}",
            access_request=r,
            requested_dataset=row,
            dataset=dataset,
            committee=committee,
            holder=applicant,
            status="active",
            access_days=365,
            starts_at=now - timedelta(days=19),
            ends_at=now + timedelta(days=346),
        )
        for n, r, row in zip(numbers, requests, rows, strict=True)
    )
    reports = ProgressReport.objects.bulk_create(
        ProgressReport(grant=g, due_on=now.date(), summary="Bench.", submitted_by=applicant)
        for g in grants
    )
    Findings.objects.bulk_create(
        Findings(
            grant=g,
            progress_report=report,
            summary="Scores transfer across ancestries when weighted for them. " * 3,
            dois=[f"10.5555/bench.{n}"],
            return_of_results="Shared with the community advisory board.",
            submitted_by=applicant,
            status="published",
            published_at=now,
        )
        for n, g, report in zip(numbers, grants, reports, strict=True)
    )
    return len(requests)


def run(bench: Bench) -> Iterator[Figure]:
    from django.test import Client

    from agreements.models import Findings

    with section(f"findings: {FINDINGS} approved requests with published findings"):
        added = _approved_with_findings(FINDINGS)
    published = Findings.objects.filter(status="published").count()
    client = Client()
    common = {"published_findings": published, "added_this_run": added}
    for size in (25, 100):
        path = f"/register/?page_size={size}"
        client.get(path)
        page, floor = page_and_floor_ms(client, path, ROUNDS)
        shown = client.get(path).content.decode().count("https://doi.org/10.5555/bench.")
        yield Figure(
            f"GET /register/ p95, {size} entries with findings ({published} published)",
            p95(page),
            "ms",
            floor=p95(floor),
            target="< 200 ms",
            higher_is_better=False,
            extra={"floor_is": "GET /healthz p95, same loop", "doi_links": shown, **common},
        )
    counts = {}
    for size in (10, 100):
        client.get(f"/register/?page_size={size}")
        counts[size] = queries_of(lambda size=size: client.get(f"/register/?page_size={size}"))
    yield Figure(
        "SQL queries per /register/ page with findings, 100 rows vs 10",
        counts[100],
        "queries",
        target=f"= {counts[10]} (the 10-row page)",
        higher_is_better=False,
        extra=common,
    )
