"""Audited changes: studies, datasets, consent scope versions and withdrawals. Each
asserts its audit event; refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Committee
from audit.models import AuditEvent
from consent import services
from consent.models import ConsentScope, ConsentWithdrawal, Dataset, Study
from consent.rendering import describe
from consent.services import data_use_parse
from dac_portal.errors import Conflict, PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db


def last_event(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, f"no {action} event"
    return event


@pytest.fixture
def committee() -> Committee:
    return Committee.objects.get(slug="genomics-dac")


@pytest.fixture
def dataset() -> Dataset:
    return Dataset.objects.get(accession="DACD000004")


def test_a_steward_registers_a_study_and_it_is_audited(steward1: Any, committee: Committee) -> None:
    study = services.study_create(
        accession="DACS000099", title="New cohort", committee=committee, actor=steward1
    )
    event = last_event("study.created")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "study",
        "DACS000099",
        steward1.pk,
    )
    assert event.data["committee"] == "genomics-dac"
    services.study_update(study=study, title="Renamed cohort", actor=steward1)
    event = last_event("study.updated")
    assert event.data == {"old": {"title": "New cohort"}, "new": {"title": "Renamed cohort"}}


def test_a_researcher_may_not_register_a_study(researcher1: Any, committee: Committee) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.study_create(
            accession="DACS000098", title="x", committee=committee, actor=researcher1
        )
    assert not Study.objects.filter(accession="DACS000098").exists()
    assert AuditEvent.objects.count() == before


def test_a_duplicate_or_malformed_accession_is_refused(steward1: Any, committee: Committee) -> None:
    with pytest.raises(Conflict):
        services.study_create(
            accession="DACS000001", title="x", committee=committee, actor=steward1
        )
    with pytest.raises(ValidationError):
        services.study_create(accession="bad id", title="x", committee=committee, actor=steward1)


def test_a_steward_registers_and_edits_a_dataset(steward1: Any) -> None:
    study = Study.objects.get(accession="DACS000001")
    dataset = services.dataset_create(
        accession="DACD000099",
        study=study,
        title="Extra",
        participant_count=12,
        data_types="genotypes, phenotypes",
        actor=steward1,
    )
    assert dataset.committee_id == study.committee_id
    assert dataset.data_types == ["genotypes", "phenotypes"]
    assert last_event("dataset.created").object_id == "DACD000099"
    services.dataset_update(dataset=dataset, participant_count=11, is_public=False, actor=steward1)
    dataset.refresh_from_db()
    assert (dataset.participant_count, dataset.is_public) == (11, False)
    assert last_event("dataset.updated").data["new"] == {
        "participant_count": 11,
        "is_public": False,
    }
    with pytest.raises(ValidationError):
        services.dataset_update(dataset=dataset, accession="DACD000100", actor=steward1)


def test_a_new_consent_version_supersedes_and_the_old_stays(
    steward1: Any, dataset: Dataset
) -> None:
    old = list(ConsentScope.objects.filter(dataset=dataset).values_list("version", "permission"))
    scope = services.consent_scope_create(
        dataset=dataset,
        data_use={
            "permission": "DUO:0000007",
            "diseases": ["DOID:1612"],
            "modifiers": ["DUO:0000046", {"code": "gs", "region": "Europe"}],
        },
        note="Re-consent",
        actor=steward1,
    )
    assert scope.version == 2
    assert (scope.permission, scope.diseases) == ("DS", ["DOID:1612"])
    assert scope.modifiers == [{"code": "NCU"}, {"code": "GS", "region": "Europe"}]
    assert (
        list(
            ConsentScope.objects.filter(dataset=dataset, version=1).values_list(
                "version", "permission"
            )
        )
        == old
    )
    event = last_event("consent_scope.created")
    assert (event.object_type, event.object_id) == ("consent_scope", "DACD000004/v2")
    assert event.data["supersedes"] == 1
    assert services.dataset_current_scope(dataset) == scope


def test_an_invalid_scope_is_refused_naming_each_problem(steward1: Any, dataset: Dataset) -> None:
    before = ConsentScope.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.consent_scope_create(
            dataset=dataset,
            data_use={"permission": "DS", "diseases": ["DOID:424242"], "modifiers": ["XX"]},
            actor=steward1,
        )
    assert "DOID:424242" in caught.value.message and "XX" in caught.value.message
    assert (ConsentScope.objects.count(), AuditEvent.objects.count()) == before


def test_only_the_committees_steward_records_scopes(member1: Any, dataset: Dataset) -> None:
    with pytest.raises(PermissionDenied):
        services.consent_scope_create(
            dataset=dataset, data_use={"permission": "GRU"}, actor=member1
        )


def test_a_withdrawal_keeps_counts_and_pseudonymous_ids_only(
    steward1: Any, dataset: Dataset
) -> None:
    withdrawal = services.consent_withdrawal_record(
        dataset=dataset,
        participant_count=3,
        pseudonymous_ids="P-0001, P-0002\nP-0002",
        actor=steward1,
    )
    assert withdrawal.pseudonymous_ids == ["P-0001", "P-0002"]
    event = last_event("consent.withdrawal_recorded")
    assert event.data["participant_count"] == 3
    assert event.data["pseudonymous_id_count"] == 2
    assert "P-0001" not in str(event.data)  # the audit log holds no participant ids


@pytest.mark.parametrize(
    ("count", "ids"),
    [(0, ""), (1, "Jane Doe"), (1, "P-1 P-2"), ("3", ""), (True, ""), (2, ["ok-1", 5])],
)
def test_a_bad_withdrawal_is_refused_and_nothing_is_stored(
    steward1: Any, dataset: Dataset, count: Any, ids: Any
) -> None:
    with pytest.raises(ValidationError):
        services.consent_withdrawal_record(
            dataset=dataset, participant_count=count, pseudonymous_ids=ids, actor=steward1
        )
    assert not ConsentWithdrawal.objects.filter(dataset=dataset).exists()


@pytest.mark.parametrize(
    ("data_use", "labels", "expected"),
    [
        (
            {"permission": "DS", "diseases": ["DOID:1612"], "modifiers": ["NCU", "IRB"]},
            {"DOID:1612": "breast cancer"},
            "Use allowed only for research on breast cancer, non-commercial, "
            "ethics approval required.",
        ),
        ({"permission": "NRES"}, {}, "Use allowed without restriction."),
        (
            {
                "permission": "GRU",
                "modifiers": [{"code": "GS", "region": "Africa"}, {"code": "TS", "months": 12}],
            },
            {},
            "Use allowed for any research purpose, only within Africa, for 12 months.",
        ),
    ],
)  # fmt: skip
def test_a_scope_reads_in_plain_language(data_use: Any, labels: Any, expected: str) -> None:
    assert describe(data_use_parse(data_use), labels) == expected
