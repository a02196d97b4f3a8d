"""The catalogue API and POST /api/v1/consent/evaluate/ (docs/api.md): the API gives the
engine's answers; unknown codes and CURIEs are a 400 naming each; never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from consent.matching import evaluate
from consent.models import Dataset
from consent.ontology import ontology_for
from consent.services import data_use_parse, purpose_parse
from tests.consent.test_matching import PERMISSION_ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_client_for: Any, researcher1: Any) -> Any:
    return api_client_for(researcher1)


def test_the_catalogue_lists_datasets_with_their_current_scope(api: Any) -> None:
    body = api.get("/api/v1/datasets/").json()
    by_acc = {d["accession"]: d for d in body["results"]}
    assert by_acc["DACD000004"]["consent"] == {
        "permission": "DS",
        "diseases": ["DOID:162"],
        "modifiers": [{"code": "NCU"}, {"code": "IRB"}, {"code": "NMDS"}],
        "version": 1,
    }
    assert by_acc["DACD000006"]["consent"]["version"] == 2
    assert by_acc["DACD000007"]["consent"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("permission=DS", {"DACD000004", "DACD000006"}),
        ("permission=hmb", {"DACD000003"}),
        ("disease=DOID:1612", {"DACD000004"}),
        ("disease=DOID:9352", {"DACD000006"}),
        ("q=reference panel", {"DACD000005", "DACD000007"}),
        ("committee=genomics-dac&permission=POA", {"DACD000005"}),
        ("committee=nobody", set()),
    ],
)
def test_the_catalogue_filters(api: Any, query: str, expected: set[str]) -> None:
    body = api.get(f"/api/v1/datasets/?{query}").json()
    assert {d["accession"] for d in body["results"]} == expected


def test_an_unlisted_dataset_is_hidden_from_researchers_but_not_from_its_steward(
    api_client_for: Any, researcher1: Any, steward1: Any
) -> None:
    Dataset.objects.filter(accession="DACD000001").update(is_public=False)
    assert api_client_for(researcher1).get("/api/v1/datasets/DACD000001/").status_code == 404
    assert api_client_for(steward1).get("/api/v1/datasets/DACD000001/").status_code == 200


@pytest.mark.parametrize(("data_use", "the_purpose", "expected", "source"), PERMISSION_ROWS[::3])
def test_the_api_gives_the_engines_answers(
    api: Any, data_use: Any, the_purpose: Any, expected: str, source: str
) -> None:
    raw_use = data_use.as_dict()
    raw_purpose = the_purpose.as_dict()
    response = api.post(
        "/api/v1/consent/evaluate/",
        {"data_use": raw_use, "purpose": raw_purpose},
        format="json",
    )
    assert response.status_code == 200, response.json()
    parsed_use, parsed_purpose = data_use_parse(raw_use), purpose_parse(raw_purpose)
    engine = evaluate(
        parsed_use, parsed_purpose, ontology_for([*parsed_use.diseases, *parsed_purpose.diseases])
    )
    assert response.json() == engine.as_dict()
    assert response.json()["result"] == expected


def test_evaluating_by_dataset_uses_its_current_scope(api: Any) -> None:
    response = api.post(
        "/api/v1/consent/evaluate/",
        {"dataset": "DACD000004", "purpose": {"diseases": ["DOID:1612"], "commercial": True}},
        format="json",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["result"] == "incompatible"
    assert body["scope_version"] == 1
    assert body["conditions"] == ["IRB"]
    assert set(body) == {"result", "reasons", "conditions", "scope_version"}


def test_codes_and_curies_are_both_accepted(api: Any) -> None:
    answers = [
        api.post(
            "/api/v1/consent/evaluate/",
            {"data_use": use, "purpose": {"diseases": ["DOID:1612"]}},
            format="json",
        ).json()
        for use in (
            {"permission": "DS", "diseases": ["DOID:162"], "modifiers": ["NCU", "IRB"]},
            {
                "permission": "DUO:0000007",
                "diseases": ["DOID:162"],
                "modifiers": ["DUO:0000046", "DUO:0000021"],
            },
        )
    ]
    assert answers[0] == answers[1]
    assert answers[0]["result"] == "compatible"


def test_unknown_codes_and_curies_are_a_400_naming_each(api: Any) -> None:
    response = api.post(
        "/api/v1/consent/evaluate/",
        {
            "data_use": {"permission": "DS", "diseases": ["DOID:000000042"], "modifiers": ["ZZZ"]},
            "purpose": {"diseases": ["DOID:99999999", "MONDO:0000001"]},
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    for name in ("DOID:000000042", "ZZZ", "DOID:99999999", "MONDO:0000001"):
        assert name in message
    assert set(response.json()["error"]["details"]) == {"data_use", "purpose"}


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {},
        {"purpose": {}},
        {"dataset": "DACD000004"},
        {"dataset": "DACD000004", "data_use": {"permission": "GRU"}, "purpose": {}},
        {"dataset": 42, "purpose": {}},
        {"dataset": "DACD000004", "purpose": "x"},
        {"data_use": [], "purpose": {}},
        {"data_use": {"permission": "GRU"}, "purpose": {}, "extra": 1},
        {
            "data_use": {"permission": "GRU", "modifiers": [{"code": "TS", "months": "x"}]},
            "purpose": {},
        },
        {"data_use": {"permission": None}, "purpose": {"hmb": None, "diseases": [None, 1]}},
    ],
)
def test_bad_bodies_are_400_never_500(api: Any, body: Any) -> None:
    response = api.post("/api/v1/consent/evaluate/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"


def test_an_invisible_dataset_is_404(api: Any) -> None:
    response = api.post(
        "/api/v1/consent/evaluate/", {"dataset": "DACD999999", "purpose": {}}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/datasets/?disease=DOID%3A1%00&q=%00&permission=%00&committee=%00", 400),
        ("/api/v1/datasets/DACD%00/", 404),
        ("/api/v1/datasets/" + "D" * 300 + "/", 404),
        ("/api/v1/datasets/?page=999", 404),
        ("/api/v1/datasets/?page_size=100000", 400),
        ("/api/v1/datasets/?page_size=false", 400),
        ("/api/v1/datasets/?colour=blue", 400),
    ],
)
def test_odd_catalogue_queries_are_refused_never_crashed(
    api: Any, path: str, expected: int
) -> None:
    assert api.get(path).status_code == expected


def test_nul_characters_in_an_evaluation_are_refused_not_crashed(api: Any) -> None:
    for body in (
        {"dataset": "DACD\u0000", "purpose": {}},
        {
            "data_use": {"permission": "GRU", "modifiers": [{"code": "GS", "region": "a\u0000"}]},
            "purpose": {},
        },
        {"data_use": {"permission": "GRU"}, "purpose": {"diseases": ["DOID:1\u0000"]}},
    ):
        assert api.post("/api/v1/consent/evaluate/", body, format="json").status_code in (400, 404)
