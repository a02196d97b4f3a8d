"""Findings on the public register (issue 21; WHO 3.3 and 3.7): what a committee published
shows beside the approved use, with its DOIs as links; nothing unpublished shows; and a
page costs the same queries however many entries carry findings."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access_requests.models import AccessRequest, RequestedDataset
from agreements import services
from agreements.models import Findings, Grant, ProgressReport
from consent.models import Dataset
from tests.agreements.conftest import active_grant, approved  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

DEMO_ACTIVE = "Ancestry-aware polygenic scores"


def test_the_demo_findings_are_on_the_register_with_a_doi_link_and_no_name(client):
    page = client.get(f"/register/?q={DEMO_ACTIVE.split()[0]}").content.decode()
    assert 'data-testid="register-findings"' in page
    assert 'href="https://doi.org/10.5555/demo.2026.001"' in page
    assert "community advisory board" in page
    assert "Odhiambo" not in page and "researcher1" not in page


def test_the_csv_download_carries_the_published_findings_and_their_doi_links(client):
    response = client.get(f"/register/?format=csv&q={DEMO_ACTIVE.split()[0]}")
    (entry,) = [r for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert "ancestry-aware weights" in entry["findings"]
    assert "community advisory board" in entry["return_of_results"]
    assert entry["publications"] == "https://doi.org/10.5555/demo.2026.001"
    others = client.get("/register/?format=csv&page_size=1000").content.decode()
    assert "Odhiambo" not in others


def test_unpublished_findings_stay_off_the_register_until_the_chair_publishes(
    client,
    active_grant,  # noqa: F811  (the fixture imported above)
    researcher1,
    chair1,
):
    services.progress_report_submit(
        grant=active_grant,
        actor=researcher1,
        summary="Year one.",
        findings={
            "summary": "Unpublished finding about tea.",
            "publications": ["doi:10.4321/TEA"],
        },
    )
    title = active_grant.access_request.title
    assert "Unpublished finding about tea." not in client.get("/register/").content.decode()
    findings = Findings.objects.get(grant=active_grant)
    services.findings_publish(findings=findings, actor=chair1)
    page = client.get("/register/").content.decode()
    assert "Unpublished finding about tea." in page
    assert 'href="https://doi.org/10.4321/tea"' in page
    body = json.loads(client.get("/register/?format=json&page_size=1000").content)
    entry = next(r for r in body["results"] if r["title"] == title)
    assert entry["findings"][0]["publications"] == ["https://doi.org/10.4321/tea"]
    services.findings_unpublish(findings=findings, actor=chair1)
    assert "Unpublished finding about tea." not in client.get("/register/").content.decode()


def test_a_page_with_findings_costs_the_same_queries_for_10_and_for_100_rows(
    client, small_committee, researcher2
):
    dataset = Dataset.objects.filter(committee__slug="genomics-dac").first()
    now = timezone.now()
    requests = AccessRequest.objects.bulk_create(
        AccessRequest(
            reference=f"DAR-8100-{n:06d}",
            applicant=researcher2,
            institution=researcher2.institution,
            committee=small_committee,
            title=f"Bulk {n}",
            lay_summary="Bulk",
            status="approved",
            submitted_at=now - timedelta(days=10),
            routed_at=now - timedelta(days=10),
            decided_at=now - timedelta(minutes=n),
        )
        for n in range(120)
    )
    rows = RequestedDataset.objects.bulk_create(
        RequestedDataset(
            access_request=r,
            dataset=dataset,
            applicant=researcher2,
            is_open=False,
            decision="approved",
            position=0,
        )
        for r in requests
    )
    grants = Grant.objects.bulk_create(
        Grant(
            access_request=r,
            requested_dataset=row,
            dataset=dataset,
            committee=small_committee,
            holder=researcher2,
            status="active",
            access_days=365,
            starts_at=now - timedelta(days=5),
            ends_at=now + timedelta(days=360),
            reference=f"GRT-B{n:09d}",
        )
        for n, (r, row) in enumerate(zip(requests, rows, strict=True))
    )
    reports = ProgressReport.objects.bulk_create(
        ProgressReport(grant=g, due_on=now.date(), summary="R", submitted_by=researcher2)
        for g in grants
    )
    Findings.objects.bulk_create(
        Findings(
            grant=g,
            progress_report=report,
            summary=f"Finding {n}",
            dois=[f"10.1234/bulk.{n}"],
            submitted_by=researcher2,
            status="published",
            published_at=now,
        )
        for n, (g, report) in enumerate(zip(grants, reports, strict=True))
    )
    counts = {}
    for size in (10, 100):
        client.get(f"/register/?committee=small-dac&page_size={size}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/register/?committee=small-dac&page_size={size}")
        assert response.status_code == 200
        assert response.content.decode().count("https://doi.org/10.1234/bulk.") == size
        counts[size] = len(ctx.captured_queries)
    assert counts[100] == counts[10]
