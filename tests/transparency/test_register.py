"""The public register of approved uses (WHO 3.7): what it shows, what it never shows,
its search, filters, keyset pages and downloads, and a constant number of queries."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_requests import services
from access_requests.models import AccessRequest, RequestedDataset
from access_requests.review import services as review_services
from tests.transparency.conftest import ALL_ATTESTATIONS, FULL_PURPOSE

pytestmark = pytest.mark.django_db

DEMO_APPROVED = "Population origins of reference panels"
DEMO_REJECTED = "Admixture mapping of hypertension"
DEMO_UNDER_REVIEW = "Germline risk variants in breast cancer"
DEMO_WITHDRAWN = "Diabetes polygenic scores (abandoned)"

# Names and review texts of the demo that must never reach a public page.
SECRETS = [
    "Amina",
    "Odhiambo",  # researcher1, the demo applicant
    "researcher1",
    "Lindqvist",  # chair1
    "Mensah",  # member1
    "Population origins research is what consent allows.",  # a vote's rationale
    "The geographic restriction is met (Africa).",
    "Share derived allele frequencies with the data provider.",  # a decision condition
    "The protocol does not show how results will be published",  # a rejection's reason
    "Check that the ethics approval covers the Brazilian collaborator.",  # a committee note
]


def register_json(client: Any, query: str = "") -> dict[str, Any]:
    response = client.get(f"/register/?format=json{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def titles(client: Any, query: str = "") -> list[str]:
    return [row["title"] for row in register_json(client, query)["results"]]


def test_the_register_lists_approved_uses_and_nothing_undecided_rejected_or_withdrawn(client):
    shown = titles(client, "&page_size=1000")
    assert DEMO_APPROVED in shown
    for hidden in (DEMO_REJECTED, DEMO_UNDER_REVIEW, DEMO_WITHDRAWN):
        assert hidden not in shown
    approved = AccessRequest.objects.filter(status__in=["approved", "closed"]).count()
    assert len(shown) == approved


def test_an_entry_shows_reference_summary_institution_country_committee_datasets_and_date(client):
    request = AccessRequest.objects.get(title=DEMO_APPROVED)
    entry = next(
        row
        for row in register_json(client, "&page_size=1000")["results"]
        if row["reference"] == request.reference
    )
    assert entry == {
        "reference": request.reference,
        "title": DEMO_APPROVED,
        "lay_summary": "Where do the populations of our reference panel come from?",
        "institution": "University of Nairobi",
        "country": "KE",
        "committee": "Genomics Data Access Committee",
        "committee_slug": "genomics-dac",
        "decided_at": request.decided_at.isoformat(),
        "datasets": [{"accession": "DACD000005", "title": "Reference panel genotypes"}],
    }
    page = client.get("/register/").content.decode()
    assert request.reference in page
    assert 'href="/datasets/DACD000005/"' in page
    assert 'href="/committees/genomics-dac/"' in page


def test_entries_come_newest_decision_first(client):
    rows = register_json(client, "&page_size=1000")["results"]
    stamps = [row["decided_at"] for row in rows]
    assert len(stamps) >= 2
    assert stamps == sorted(stamps, reverse=True)


def test_no_page_or_download_names_a_person_or_shows_votes_notes_conditions_or_reasons(client):
    bodies = [
        client.get(path).content.decode()
        for path in (
            "/register/?page_size=100",
            "/register/?format=csv&page_size=1000",
            "/register/?format=json&page_size=1000",
        )
    ]
    for body in bodies:
        assert DEMO_APPROVED in body
        for secret in SECRETS:
            assert secret not in body, secret


def test_a_partly_approved_request_shows_only_its_approved_datasets(
    client, small_committee, make_dataset, researcher2, chair1
):
    approved, rejected = (make_dataset(committee=small_committee) for _ in range(2))
    request = services.access_request_create(
        applicant=researcher2,
        data={
            "title": "Two datasets, one approved",
            "lay_summary": "Half of what we asked for.",
            "research_use_statement": "Association analysis.",
            "purpose": dict(FULL_PURPOSE),
            "datasets": [approved.accession, rejected.accession],
            "attestations": dict(ALL_ATTESTATIONS),
        },
        actor=researcher2,
    )
    services.access_request_submit(access_request=request, actor=researcher2)
    review_services.access_request_vote(
        access_request=request, vote="approve", rationale="ok", actor=chair1
    )
    review_services.access_request_decide(
        access_request=request,
        decisions=[
            {"dataset": approved.accession, "decision": "approved"},
            {"dataset": rejected.accession, "decision": "rejected", "reason": "Too broad."},
        ],
        actor=chair1,
    )
    rows = register_json(client, "&committee=small-dac")["results"]
    assert [row["reference"] for row in rows] == [request.reference]
    assert rows[0]["datasets"] == [{"accession": approved.accession, "title": approved.title}]
    page = client.get("/register/?committee=small-dac").content.decode()
    assert approved.accession in page
    assert rejected.accession not in page
    assert "Too broad." not in page
    # Filtering by the rejected dataset finds nothing: it was not approved.
    assert register_json(client, f"&dataset={rejected.accession}")["results"] == []
    assert len(register_json(client, f"&dataset={approved.accession.lower()}")["results"]) == 1


def test_a_request_whose_approved_datasets_are_unlisted_shows_no_dataset(
    client, small_committee, request_at, researcher2, now
):
    request = request_at(researcher2, now - timedelta(days=3), decision="approved", days=1)
    dataset = request.requested_datasets.get().dataset
    dataset.is_public = False
    dataset.save(update_fields=["is_public"])
    rows = register_json(client, "&committee=small-dac")["results"]
    assert rows[0]["reference"] == request.reference
    assert rows[0]["datasets"] == []
    assert dataset.accession not in client.get("/register/?committee=small-dac").content.decode()
    assert register_json(client, f"&dataset={dataset.accession}")["results"] == []


def test_search_looks_in_titles_and_lay_summaries(client, request_at, researcher2, now):
    request_at(
        researcher2,
        now - timedelta(days=5),
        decision="approved",
        days=1,
        title="Sickle cell modifiers",
        lay_summary="Why some people with the disease fall ill less often.",
    )
    assert titles(client, "&q=sickle") == ["Sickle cell modifiers"]
    assert titles(client, "&q=FALL+ILL") == ["Sickle cell modifiers"]
    assert titles(client, "&q=no+such+words+anywhere") == []
    assert DEMO_APPROVED in titles(client, "&q=reference+panel&committee=genomics-dac")
    assert titles(client, "&q=sickle&committee=genomics-dac") == []


def test_pages_follow_the_next_link_without_repeats_or_gaps(client, request_at, researcher2, now):
    made = [
        request_at(researcher2, now - timedelta(days=30 - i), decision="approved", days=1)
        for i in range(5)
    ]
    seen: list[str] = []
    url: str | None = "/register/?format=json&committee=small-dac&page_size=2"
    while url:
        body = json.loads(client.get(url).content)
        seen.extend(row["reference"] for row in body["results"])
        url = body["next"]
    assert seen == [r.reference for r in reversed(made)]
    page = client.get("/register/?committee=small-dac&page_size=2").content.decode()
    assert 'rel="next"' in page
    assert "cursor=" in page and "committee=small-dac" in page


def test_downloads_are_csv_and_json_of_the_same_rows_with_formulas_defused(
    client, request_at, researcher2, now
):
    request_at(
        researcher2,
        now - timedelta(days=2),
        decision="approved",
        days=1,
        title='=HYPERLINK("http://evil")',
    )
    response = client.get("/register/?format=csv&committee=small-dac")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["country"] == "MX"
    assert rows[0]["committee"] == "Small Test Committee"
    assert rows[0]["datasets"].startswith("TSTD")
    as_json = register_json(client, "&committee=small-dac")["results"]
    assert [r["reference"] for r in as_json] == [rows[0]["reference"]]


@pytest.mark.parametrize(
    "query",
    [
        "?cursor=not-a-cursor",
        "?cursor=" + "A" * 300,
        "?cursor=MjAyNi0xMS0yNXxEQVI",  # valid base64, no timestamp
        "?committee=no-such-dac",
        "?q=%00",
        "?q=" + "x" * 201,
        "?dataset=%00",
        "?page_size=0",
        "?page_size=abc",
        "?format=xml",
    ],
)
def test_hostile_queries_answer_400_not_500(client, query):
    assert client.get(f"/register/{query}").status_code == 400


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(max_size=250),
    committee=st.text(max_size=60),
    dataset=st.text(max_size=30),
    cursor=st.text(max_size=60),
    kind=st.sampled_from(["", "csv", "json", "html"]),
)
def test_no_register_query_answers_500(client, q, committee, dataset, cursor, kind):
    response = client.get(
        "/register/",
        {"q": q, "committee": committee, "dataset": dataset, "cursor": cursor, "format": kind},
    )
    assert response.status_code in (200, 400)


def test_the_register_accepts_only_reading(client):
    assert client.post("/register/").status_code == 405


def test_a_page_costs_the_same_queries_for_10_and_for_100_rows(
    client, small_committee, researcher2
):
    from consent.models import Dataset

    datasets = Dataset.objects.filter(committee__slug="genomics-dac")[:3]
    now = timezone.now()
    requests = AccessRequest.objects.bulk_create(
        AccessRequest(
            reference=f"DAR-8000-{n:06d}",
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
    RequestedDataset.objects.bulk_create(
        RequestedDataset(
            access_request=request,
            dataset=dataset,
            applicant=researcher2,
            is_open=False,
            decision="approved",
            position=i,
        )
        for request in requests
        for i, dataset in enumerate(datasets)
    )
    counts = {}
    for size in (10, 100):
        client.get(f"/register/?committee=small-dac&page_size={size}")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/register/?committee=small-dac&page_size={size}")
        assert response.status_code == 200
        assert response.content.decode().count("Bulk ") == size
        counts[size] = len(ctx.captured_queries)
    assert counts[100] == counts[10]


def test_a_request_spanning_committees_is_listed_under_each_once_both_decided(
    client, chair1, member1, member2
):
    """The demo's mixed request (DACD000009 of the demo committee, DACD000008 of the
    second): not listed while one committee has decided; once both have, listed under
    either committee's filter, naming both committees."""
    from access_requests.review.demo import find
    from accounts.models import User

    mixed = find("mixed")
    chair2 = User.objects.get(username="chair2")
    review_services.access_request_decide(
        access_request=mixed,
        decisions=[{"dataset": "DACD000008", "decision": "approved"}],
        actor=chair2,
    )
    assert mixed.title not in titles(client, "&page_size=1000")
    for voter in (member1, member2):
        review_services.access_request_vote(
            access_request=mixed, vote="approve", rationale="ok", actor=voter
        )
    review_services.access_request_decide(
        access_request=mixed,
        decisions=[{"dataset": "DACD000009", "decision": "approved"}],
        actor=chair1,
    )
    for slug in ("genomics-dac", "rare-registry-dac"):
        rows = [
            r
            for r in register_json(client, f"&committee={slug}&page_size=1000")["results"]
            if r["title"] == mixed.title
        ]
        assert len(rows) == 1, slug
        assert rows[0]["committee"] == (
            "Genomics Data Access Committee, Rare Disease Registry Access Committee"
        )
        assert {d["accession"] for d in rows[0]["datasets"]} == {"DACD000008", "DACD000009"}
