"""The catalogue's write API (issue 21): a steward of the governing committee registers
studies and datasets with their consent over REST, changes them, and adds consent scope
versions; anyone else gets 401/403/404; bad input is a 400 (a duplicate a 409) that
writes nothing; a registered scope evaluates like one entered through the form."""

from __future__ import annotations

from typing import Any

import pytest

from audit.models import AuditEvent
from consent import services
from consent.models import ConsentScope, Dataset, Study

pytestmark = pytest.mark.django_db

DS_DIABETES = {"permission": "DS", "diseases": ["DOID:9351"], "modifiers": ["NCU", "PUB"]}


def new_dataset(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Type 2 diabetes exomes",
        "description": "Whole exomes of a diabetes cohort.",
        "study": "DACS000002",
        "participant_count": 1200,
        "data_types": ["exome"],
        "consent": DS_DIABETES,
        **overrides,
    }


def writes() -> tuple[int, int, int, int]:
    return (
        Study.objects.count(),
        Dataset.objects.count(),
        ConsentScope.objects.count(),
        # Signing in and the test's API tokens are not writes of the catalogue.
        AuditEvent.objects.exclude(action__startswith="account")
        .exclude(action__startswith="api_token")
        .count(),
    )


def test_a_steward_registers_a_study_and_is_given_its_accession(api_client_for, steward1):
    response = api_client_for(steward1).post(
        "/api/v1/studies/",
        {"title": "Sickle cell registry", "committee": "genomics-dac"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["accession"].startswith("DACS") and body["committee"] == "genomics-dac"
    assert AuditEvent.objects.filter(action="study.created", object_id=body["accession"]).exists()
    listed = api_client_for(steward1).get("/api/v1/studies/?page_size=200").json()["results"]
    assert body in listed


def test_a_steward_registers_a_dataset_with_its_consent_in_one_act(api_client_for, steward1):
    response = api_client_for(steward1).post("/api/v1/datasets/", new_dataset(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["accession"].startswith("DACD") and body["committee"] == "genomics-dac"
    assert body["consent"]["version"] == 1 and body["consent"]["permission"] == "DS"
    dataset = Dataset.objects.get(accession=body["accession"])
    actions = set(
        AuditEvent.objects.filter(object_id__in=[dataset.accession]).values_list(
            "action", flat=True
        )
    ) | set(
        AuditEvent.objects.filter(data__dataset=dataset.accession).values_list("action", flat=True)
    )
    assert {"dataset.created", "consent_scope.created"} <= actions


def test_a_registered_scope_evaluates_like_one_entered_through_the_form(api_client_for, steward1):
    made = api_client_for(steward1).post("/api/v1/datasets/", new_dataset(), format="json").json()
    through_api = Dataset.objects.get(accession=made["accession"])
    twin = services.dataset_create(
        accession="DACD900001",
        study=Study.objects.get(accession="DACS000002"),
        title="Twin",
        actor=steward1,
    )
    services.consent_scope_create(dataset=twin, data_use=DS_DIABETES, actor=steward1)
    for purpose in (
        {"diseases": ["DOID:9351"]},
        {"diseases": ["DOID:162"]},
        {"diseases": ["DOID:9351"], "commercial": True},
    ):
        parsed = services.purpose_parse(purpose)
        assert (
            services.consent_evaluate_dataset(dataset=through_api, purpose=parsed).as_dict()
            == services.consent_evaluate_dataset(dataset=twin, purpose=parsed).as_dict()
        )


def test_a_change_with_consent_adds_a_version_and_keeps_the_old_one(api_client_for, steward1):
    client = api_client_for(steward1)
    response = client.patch(
        "/api/v1/datasets/DACD000003/",
        {"title": "Renamed", "consent": {"permission": "GRU"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Renamed"
    versions = client.get("/api/v1/datasets/DACD000003/consent-scopes/").json()["results"]
    assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
    assert versions[-1]["permission"] == "GRU" and versions[-2]["permission"] == "HMB"


def test_a_consent_version_is_added_on_its_own(api_client_for, steward1):
    response = api_client_for(steward1).post(
        "/api/v1/datasets/DACD000007/consent-scopes/",
        {"permission": "HMB", "modifiers": ["NPU"], "note": "Consent forms re-read."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 1 and response.json()["permission"] == "HMB"


@pytest.mark.parametrize(
    "body, field",
    [
        (new_dataset(consent={"permission": "DUO:9999999"}), "permission"),
        (new_dataset(consent={"permission": "DS", "diseases": ["DOID:000000042"]}), "diseases"),
        (new_dataset(study="DACS999999"), "study"),
        (new_dataset(committee="rare-registry-dac"), "committee"),
        (new_dataset(committee="no-such-dac"), "committee"),
        (new_dataset(colour="blue"), "colour"),
        (new_dataset(title=""), "title"),
        (new_dataset(participant_count=-1), "participant_count"),
        (new_dataset(accession="lower001"), "accession"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api_client_for, steward1, body, field
):
    before = writes()
    response = api_client_for(steward1).post("/api/v1/datasets/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in str(response.json()["error"]["details"])
    assert writes() == before


def test_a_duplicate_accession_is_a_409_and_writes_nothing(api_client_for, steward1):
    before = writes()
    response = api_client_for(steward1).post(
        "/api/v1/datasets/", new_dataset(accession="DACD000001"), format="json"
    )
    assert response.status_code == 409
    assert writes() == before


def test_only_the_governing_committees_stewards_may_write(
    api_client_for, anonymous_api, researcher1, steward2
):
    before = writes()
    assert anonymous_api.post("/api/v1/datasets/", new_dataset(), format="json").status_code == 401
    for person in (researcher1, steward2):
        client = api_client_for(person)
        assert client.post("/api/v1/datasets/", new_dataset(), format="json").status_code == 403
        assert (
            client.patch("/api/v1/datasets/DACD000001/", {"title": "x"}, format="json").status_code
            == 403
        )
        assert (
            client.post(
                "/api/v1/studies/", {"title": "x", "committee": "genomics-dac"}, format="json"
            ).status_code
            == 403
        )
    assert (
        api_client_for(steward2)
        .patch("/api/v1/datasets/NOPE000001/", {"title": "x"}, format="json")
        .status_code
        == 404
    )
    assert writes() == before
