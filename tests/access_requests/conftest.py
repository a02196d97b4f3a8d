"""Datasets made for these tests (the demo requests already hold the demo datasets open
for researcher1), and small helpers to build requests through the services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from access_requests import services
from access_requests.models import AccessRequest
from access_requests.review import services as review_services
from accounts.models import Committee

_counter = itertools.count(1)

FULL_PURPOSE = {"hmb": True}
ALL_ATTESTATIONS = {
    "no_reidentification": True,
    "no_stigmatisation": True,
    "security_measures": True,
    "publication_and_benefit_sharing": True,
}


@pytest.fixture
def make_dataset(db: Any) -> Callable[..., Any]:
    """A dataset with one consent scope (HMB unless told), in the demo committee unless
    another is given."""
    from consent.models import ConsentScope, Dataset, Study

    def make(
        permission: str = "HMB",
        diseases: list[str] | None = None,
        modifiers: list[dict[str, Any]] | None = None,
        committee: Committee | None = None,
        scope: bool = True,
    ) -> Any:
        n = next(_counter)
        committee = committee or Committee.objects.get(slug="genomics-dac")
        study = Study.objects.create(
            accession=f"TSTS{n:06d}", title=f"Test study {n}", committee=committee
        )
        dataset = Dataset.objects.create(
            accession=f"TSTD{n:06d}",
            study=study,
            committee=committee,
            title=f"Test dataset {n}",
            participant_count=100,
        )
        if scope:
            ConsentScope.objects.create(
                dataset=dataset,
                version=1,
                permission=permission,
                diseases=diseases or [],
                modifiers=modifiers or [],
            )
        return dataset

    return make


@pytest.fixture
def complete_data(make_dataset: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """The fields of a request that is ready to submit, for a fresh dataset."""

    def make(**overrides: Any) -> dict[str, Any]:
        data = {
            "title": "Variants in hypertension",
            "lay_summary": "We look for genetic variants linked to high blood pressure.",
            "research_use_statement": "Association analysis of genotype data with phenotypes.",
            "purpose": dict(FULL_PURPOSE),
            "datasets": [make_dataset().accession],
            "attestations": dict(ALL_ATTESTATIONS),
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def no_endorsement(db: Any) -> Committee:
    """The demo committee, told not to ask for endorsement (inside the test's rollback)."""
    committee = Committee.objects.get(slug="genomics-dac")
    committee.endorsement_required = False
    committee.save(update_fields=["endorsement_required"])
    return committee


def last_event(action: str, reference: str) -> Any:
    from audit.models import AuditEvent

    return (
        AuditEvent.objects.filter(action=action, object_type="access_request", object_id=reference)
        .order_by("-seq")
        .first()
    )


@pytest.fixture
def reviewing(researcher2, complete_data, make_dataset, no_endorsement):
    """A request of researcher2 under review by the demo committee, for two fresh
    datasets; call it with the committee's rule and quorum."""

    def make(rule: str = "majority", quorum: int = 2, datasets: int = 1) -> AccessRequest:
        no_endorsement.voting_rule = rule
        no_endorsement.quorum = quorum
        no_endorsement.save(update_fields=["voting_rule", "quorum"])
        accessions = [make_dataset().accession for _ in range(datasets)]
        request = services.access_request_create(
            applicant=researcher2, data=complete_data(datasets=accessions), actor=researcher2
        )
        services.access_request_submit(access_request=request, actor=researcher2)
        request.refresh_from_db()
        assert request.status == "under_review"
        return request

    return make


def vote(request: AccessRequest, user: Any, choice: str, dataset: str | None = None) -> Any:
    return review_services.access_request_vote(
        access_request=request,
        vote=choice,
        rationale=f"{user.username} thinks {choice}",
        dataset=dataset,
        actor=user,
    )


def decide(request: AccessRequest, chair: Any, decision: str, **extra: Any) -> AccessRequest:
    entries = [
        {"dataset": row.dataset.accession, "decision": decision, **extra}
        for row in request.requested_datasets.select_related("dataset")
    ]
    return review_services.access_request_decide(
        access_request=request, decisions=entries, actor=chair
    )
