"""The interface the access-requests app relies on: purpose_parse,
consent_evaluate_dataset and dataset_current_scope, against the demo datasets."""

from __future__ import annotations

import pytest

from consent.models import Dataset
from consent.services import (
    consent_evaluate_dataset,
    dataset_current_scope,
    purpose_parse,
)
from dac_portal.errors import ValidationError

pytestmark = pytest.mark.django_db


def _evaluate(accession: str, purpose: dict) -> dict:
    dataset = Dataset.objects.get(accession=accession)
    return consent_evaluate_dataset(dataset=dataset, purpose=purpose_parse(purpose)).as_dict()


def test_purpose_parse_applies_the_api_defaults() -> None:
    purpose = purpose_parse({})
    assert purpose.diseases == ()
    assert purpose.genetic_studies is True
    assert not (purpose.hmb or purpose.commercial or purpose.for_profit or purpose.controls)
    assert purpose.is_general


def test_purpose_parse_names_every_unknown_disease_and_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        purpose_parse(
            {"diseases": ["DOID:99999999", "MONDO:123", "cancer"], "hmb": "yes", "colour": 1}
        )
    error = caught.value
    assert error.status_code == 400
    for name in ("DOID:99999999", "MONDO:123", "cancer", "hmb", "colour"):
        assert name in error.message
    assert set(error.details["purpose"]) == {"diseases", "hmb", "colour"}


@pytest.mark.parametrize("raw", [None, [], "purpose", 3, {"diseases": "DOID:162"}])
def test_purpose_parse_refuses_non_objects_and_malformed_lists(raw: object) -> None:
    with pytest.raises(ValidationError):
        purpose_parse(raw)


def test_an_obsolete_disease_id_is_resolved_to_its_replacement() -> None:
    # DOID:1231 "obsolete chronic schizophrenia" is replaced_by DOID:5419 schizophrenia.
    purpose = purpose_parse({"diseases": ["DOID:1231"]})
    assert purpose.diseases == ("DOID:5419",)
    assert purpose.replaced == (("DOID:1231", "DOID:5419"),)


def test_an_alternative_id_is_resolved_to_its_term() -> None:
    # DOID:1648 is an alt_id of DOID:1612 breast cancer.
    assert purpose_parse({"diseases": ["DOID:1648"]}).diseases == ("DOID:1612",)


def test_an_obsolete_id_without_replacement_is_refused_by_name() -> None:
    with pytest.raises(ValidationError) as caught:
        purpose_parse({"diseases": ["DOID:0050001"]})
    assert "DOID:0050001" in caught.value.message
    assert "obsolete" in caught.value.message


def test_a_breast_cancer_purpose_fits_the_cancer_dataset_with_its_conditions() -> None:
    answer = _evaluate("DACD000004", {"diseases": ["DOID:1612"]})
    assert answer["result"] == "compatible"
    assert answer["conditions"] == ["IRB"]
    assert answer["scope_version"] == 1


def test_a_commercial_purpose_is_refused_by_the_non_commercial_cancer_dataset() -> None:
    answer = _evaluate("DACD000004", {"diseases": ["DOID:1612"], "commercial": True})
    assert answer["result"] == "incompatible"
    assert "NCU" in [r["code"] for r in answer["reasons"]]


def test_a_diabetes_dataset_refuses_a_cancer_purpose_and_names_the_disease() -> None:
    answer = _evaluate("DACD000006", {"diseases": ["DOID:1612"]})
    assert answer["result"] == "incompatible"
    assert answer["scope_version"] == 2
    assert any("DOID:1612" in r["message"] for r in answer["reasons"])


def test_a_geographic_restriction_needs_review() -> None:
    answer = _evaluate("DACD000005", {"population_origins": True})
    assert answer["result"] == "needs_review"
    assert answer["reasons"][0]["code"] == "GS"


def test_a_dataset_without_scope_needs_review_with_no_version() -> None:
    dataset = Dataset.objects.get(accession="DACD000007")
    assert dataset_current_scope(dataset) is None
    answer = consent_evaluate_dataset(dataset=dataset, purpose=purpose_parse({})).as_dict()
    assert answer == {
        "result": "needs_review",
        "reasons": [answer["reasons"][0]],
        "conditions": [],
        "scope_version": None,
    }
    assert answer["reasons"][0]["code"] == "NO_SCOPE"


def test_the_current_scope_is_the_newest_version() -> None:
    scope = dataset_current_scope(Dataset.objects.get(accession="DACD000006"))
    assert scope is not None
    assert (scope.version, scope.permission, scope.diseases) == (2, "DS", ["DOID:9351"])


def test_a_general_purpose_fits_every_general_use_dataset_but_not_hmb() -> None:
    assert _evaluate("DACD000001", {})["result"] == "compatible"
    assert _evaluate("DACD000002", {})["result"] == "compatible"
    assert _evaluate("DACD000003", {})["result"] == "incompatible"


def test_a_scope_on_a_since_obsoleted_disease_is_evaluated_as_its_replacement() -> None:
    # Scopes are never edited; an ontology release may obsolete their disease later.
    from consent.models import ConsentScope

    dataset = Dataset.objects.get(accession="DACD000007")
    ConsentScope.objects.create(dataset=dataset, version=1, permission="DS", diseases=["DOID:1231"])
    answer = consent_evaluate_dataset(
        dataset=dataset, purpose=purpose_parse({"diseases": ["DOID:5419"]})
    ).as_dict()
    assert answer["result"] == "compatible"
    assert "SCOPE_DISEASE_REPLACED" in [r["code"] for r in answer["reasons"]]


def test_a_scope_on_an_unusable_disease_needs_review_instead_of_a_silent_denial() -> None:
    from consent.models import ConsentScope

    dataset = Dataset.objects.get(accession="DACD000007")
    ConsentScope.objects.create(
        dataset=dataset, version=1, permission="DS", diseases=["DOID:0050001"]
    )
    answer = consent_evaluate_dataset(
        dataset=dataset, purpose=purpose_parse({"diseases": ["DOID:399"]})
    ).as_dict()
    assert answer["result"] == "needs_review"
    assert "SCOPE_DISEASE_UNUSABLE" in [r["code"] for r in answer["reasons"]]
