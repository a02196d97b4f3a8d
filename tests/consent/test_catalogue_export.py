"""The catalogue export for harvesters (issue 21): CSV, JSON and DCAT-AP JSON-LD of the
public catalogue, streamed, with the current consent as DUO codes and IRIs."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consent import export
from consent.models import ConsentScope, Dataset, Study

pytestmark = pytest.mark.django_db

EXPORT = "/datasets/export/"
DUO = "http://purl.obolibrary.org/obo/DUO_"


def _get(fmt: str, client: Client | None = None) -> Any:
    response = (client or Client()).get(EXPORT, {"format": fmt})
    assert response.status_code == 200, response
    return response


def _body(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def _csv_rows(client: Client | None = None) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_body(_get("csv", client)))))


def _json(client: Client | None = None) -> list[dict[str, Any]]:
    return json.loads(_body(_get("json", client)))


def _add_datasets(count: int, *, start: int = 0) -> None:
    """Extra public datasets, each with two consent versions (only the newer is exported)."""
    study = Study.objects.get(accession="DACS000002")
    datasets = Dataset.objects.bulk_create(
        Dataset(
            accession=f"XPRT{start + i:06d}",
            study=study,
            committee=study.committee,
            title=f"Export dataset {start + i}",
        )
        for i in range(count)
    )
    ConsentScope.objects.bulk_create(
        ConsentScope(dataset=d, version=v, permission=p, diseases=diseases, modifiers=modifiers)
        for d in datasets
        for v, p, diseases, modifiers in (
            (1, "GRU", [], []),
            (2, "DS", ["DOID:1612"], [{"code": "IRB"}, {"code": "US", "names": ["Dr Who"]}]),
        )
    )


def test_the_csv_has_a_row_per_public_dataset_with_its_current_consent() -> None:
    response = _get("csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dataset-catalogue-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = {row["accession"]: row for row in _csv_rows()}
    assert set(rows) >= {f"DACD00000{i}" for i in range(1, 8)}
    diabetes = rows["DACD000006"]
    assert diabetes == {
        "accession": "DACD000006",
        "title": "Diabetes clinic genomes",
        "description": "Diabetes clinic genomes from the Cancer and Metabolic Disease Biobank.",
        "study_accession": "DACS000002",
        "study_title": "Cancer and Metabolic Disease Biobank",
        "committee_slug": diabetes["committee_slug"],
        "committee_name": diabetes["committee_name"],
        "permission": "DS",
        "permission_label": "disease specific research",
        "modifiers": "PUB;GSO",
        "disease_ids": "DOID:9351",
        "disease_labels": "diabetes mellitus",
        "scope_version": "2",
        "url": f"{settings.PORTAL_BASE_URL}/datasets/DACD000006/",
    }
    assert diabetes["committee_slug"] and diabetes["committee_name"]
    assert rows["DACD000002"]["modifiers"] == "NCU;PUB"
    assert rows["DACD000007"]["permission"] == rows["DACD000007"]["scope_version"] == ""


def test_no_internal_ids_or_people_are_exported() -> None:
    _add_datasets(1)
    row = next(r for r in _json() if r["accession"] == "XPRT000000")
    # The US modifier names a person: its code is exported, never its parameters.
    assert row["consent"]["modifiers"] == ["IRB", "US"]
    assert "Dr Who" not in json.dumps(row)
    assert "id" not in row and "pk" not in row


def test_the_json_is_a_list_of_objects_with_stable_keys() -> None:
    response = _get("json")
    assert response["Content-Type"] == "application/json"
    rows = {row["accession"]: row for row in json.loads(_body(response))}
    cancer = rows["DACD000004"]
    assert set(cancer) == {
        "accession",
        "title",
        "description",
        "study",
        "committee",
        "consent",
        "url",
    }
    assert cancer["study"] == {
        "accession": "DACS000002",
        "title": "Cancer and Metabolic Disease Biobank",
    }
    assert set(cancer["committee"]) == {"slug", "name"}
    assert cancer["consent"] == {
        "permission": {"code": "DS", "label": "disease specific research"},
        "modifiers": ["NCU", "IRB", "NMDS"],
        "diseases": [{"id": "DOID:162", "label": "cancer"}],
        "version": 1,
    }
    assert rows["DACD000007"]["consent"] is None
    assert [r["accession"] for r in rows.values()] == sorted(rows)


def test_unlisted_datasets_are_absent_from_every_format_even_for_their_committee(
    steward1: Any,
) -> None:
    Dataset.objects.filter(accession="DACD000003").update(is_public=False)
    signed_in = Client()
    signed_in.force_login(steward1)
    for client in (Client(), signed_in):
        assert "DACD000003" not in {r["accession"] for r in _csv_rows(client)}
        assert "DACD000003" not in {r["accession"] for r in _json(client)}
        assert "DACD000003" not in _body(_get("jsonld", client))
    assert "DACD000002" in {r["accession"] for r in _json()}


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    Dataset.objects.filter(accession="DACD000001").update(
        title='=HYPERLINK("http://evil.example","click")', description="@SUM(1+1)"
    )
    row = next(r for r in _csv_rows() if r["accession"] == "DACD000001")
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["description"] == "'@SUM(1+1)"
    # JSON is not a spreadsheet: the values stay as they were typed.
    assert next(r for r in _json() if r["accession"] == "DACD000001")["title"].startswith("=")


def test_the_jsonld_is_a_dcat_catalogue_with_duo_iris() -> None:
    response = _get("jsonld")
    assert response["Content-Type"] == "application/ld+json"
    catalog = json.loads(_body(response))
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalog["@context"]["dct"] == "http://purl.org/dc/terms/"
    datasets = {d["dct:identifier"]: d for d in catalog["dcat:dataset"]}
    assert all(d["@type"] == "dcat:Dataset" for d in datasets.values())
    gru = datasets["DACD000002"]
    assert gru["dcat:landingPage"] == {"@id": f"{settings.PORTAL_BASE_URL}/datasets/DACD000002/"}
    assert gru["dct:publisher"]["@type"] == "foaf:Agent"
    assert gru["dct:title"] == "Cohort whole genomes"
    assert "general research use" in gru["dcat:keyword"]
    rule = gru["odrl:hasPolicy"]["odrl:permission"][0]
    assert rule["odrl:constraint"][0]["odrl:rightOperand"] == {"@id": f"{DUO}0000042"}
    assert [d["odrl:action"]["@id"] for d in rule["odrl:duty"]] == [
        f"{DUO}0000046",
        f"{DUO}0000019",
    ]
    cancer = datasets["DACD000004"]["odrl:hasPolicy"]["odrl:permission"][0]
    assert cancer["odrl:constraint"][1]["odrl:rightOperand"] == [
        {"@id": "http://purl.obolibrary.org/obo/DOID_162"}
    ]
    assert "odrl:hasPolicy" not in datasets["DACD000007"]


@pytest.mark.parametrize("query", ["?format=xml", "?format=", "", "?format=CSV"])
def test_an_unknown_or_missing_format_is_refused_with_a_message(query: str) -> None:
    response = Client().get(EXPORT + query)
    assert response.status_code == 400
    assert "format=csv, format=json or format=jsonld" in response.content.decode()


def test_only_get_and_head_are_allowed() -> None:
    assert Client().post(EXPORT + "?format=csv").status_code == 405
    head = Client().head(EXPORT + "?format=json")
    assert head.status_code == 200
    assert head["Content-Type"] == "application/json"


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonld"])
def test_the_query_count_does_not_grow_with_the_number_of_datasets(fmt: str) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _body(_get(fmt))
        return len(captured)

    _add_datasets(5)
    few = queries()
    _add_datasets(45, start=5)
    assert queries() == few
    assert len(_json()) >= 57


def test_the_catalogue_page_links_the_three_downloads() -> None:
    page = Client().get("/datasets/").content.decode()
    for fmt in ("csv", "json", "jsonld"):
        assert f'href="/datasets/export/?format={fmt}"' in page
    assert "DCAT-AP (JSON-LD)" in page


def test_small_chunks_give_the_same_rows_as_one_chunk() -> None:
    _add_datasets(7)
    assert list(export.export_rows(chunk_size=3)) == list(export.export_rows())
