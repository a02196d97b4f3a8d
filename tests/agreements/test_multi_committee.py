"""Approval of a request spanning two committees (ADR 0006): one pending grant per approved
dataset with the access period and committee of the committee that decided it, and one
agreement with one part per committee, each from that committee's own template; a
countersignature when any of the committees asks for one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from access_requests import services
from access_requests.review import services as review_services
from accounts.models import Committee, User
from agreements import rendering
from agreements import services as agreement_services
from agreements.demo import sign_all
from agreements.models import Agreement, Grant
from tests.access_requests.conftest import ALL_ATTESTATIONS, make_dataset  # noqa: F401
from tests.agreements.conftest import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def second() -> Committee:
    return Committee.objects.get(slug="rare-registry-dac")


@pytest.fixture
def approve_mixed(researcher1, official1, chair1, member1, member2, make_dataset, second):  # noqa: F811
    """researcher1's request for one fresh dataset of each committee, approved by both
    (the demo committee by member1 and member2's votes and chair1; the second committee by
    member4's vote and chair2), each with its own condition."""

    def make(*, second_decides: str = "approved") -> tuple[Any, str, str]:
        ours, theirs = make_dataset().accession, make_dataset(committee=second).accession
        request = services.access_request_create(
            applicant=researcher1,
            data={
                "title": "Shared variants",
                "lay_summary": "Lay summary.",
                "research_use_statement": "Research use.",
                "purpose": {"hmb": True},
                "datasets": [ours, theirs],
                "attestations": dict(ALL_ATTESTATIONS),
            },
            actor=researcher1,
        )
        services.access_request_submit(access_request=request, actor=researcher1)
        services.access_request_endorse(access_request=request, actor=official1)
        chair2, member4 = User.objects.get(username="chair2"), User.objects.get(username="member4")
        review_services.access_request_vote(
            access_request=request,
            vote="approve" if second_decides == "approved" else "reject",
            rationale="ok",
            actor=member4,
        )
        review_services.access_request_decide(
            access_request=request,
            decisions=[
                {"dataset": theirs, "decision": second_decides}
                | (
                    {"conditions": ["Cite the registry."]}
                    if second_decides == "approved"
                    else {"reason": "Registry consent excludes this."}
                )
            ],
            actor=chair2,
        )
        # Nothing is prepared while the demo committee has not decided.
        assert not Grant.objects.filter(access_request=request).exists()
        assert not Agreement.objects.filter(access_request=request).exists()
        for voter in (member1, member2):
            review_services.access_request_vote(
                access_request=request, vote="approve", rationale="ok", actor=voter
            )
        review_services.access_request_decide(
            access_request=request,
            decisions=[
                {"dataset": ours, "decision": "approved", "conditions": ["Publish results."]}
            ],
            actor=chair1,
        )
        request.refresh_from_db()
        assert request.status == "approved"
        return request, ours, theirs

    return make


def test_a_mixed_approval_gives_grants_with_each_committees_access_period(
    approve_mixed, second, researcher1, official1
):
    request, ours, theirs = approve_mixed()
    grants = {g.dataset.accession: g for g in Grant.objects.filter(access_request=request)}
    assert set(grants) == {ours, theirs}
    assert (grants[ours].committee.slug, grants[ours].access_days) == ("genomics-dac", 365)
    assert (grants[theirs].committee.slug, grants[theirs].access_days) == ("rare-registry-dac", 180)
    assert grants[theirs].conditions == ["Cite the registry."]
    assert {g.status for g in grants.values()} == {"pending"}
    for grant in grants.values():
        [created] = events("grant.created", object_id=grant.reference)
        assert created.data["access_days"] == grant.access_days

    # Signing (and countersigning) the one agreement starts both periods, each its own.
    sign_all(request, official1)
    for grant in Grant.objects.filter(access_request=request):
        assert grant.status == "active"
        assert grant.ends_at - grant.starts_at == timedelta(days=grant.access_days)


def test_a_mixed_approval_gives_one_agreement_with_each_committees_terms(approve_mixed, second):
    agreement_services.agreement_template_create(
        committee=second,
        title="Registry DUA",
        body="# Registry terms\n\nDatasets: {{ datasets }}\n\nFor {{ access_days }} days.\n\n"
        "Conditions: {{ conditions }}\n\nCommittee: {{ committee }}",
        actor=None,
    )
    request, ours, theirs = approve_mixed()
    agreement = Agreement.objects.get(access_request=request)
    text = agreement.text
    assert agreement.text_sha256 == rendering.sha256_hex(text)
    assert "Part 1 of 2: Genomics Data Access Committee" in text
    assert "Part 2 of 2: Rare Disease Registry Access Committee (agreement template v1)" in text
    first, second_part = text.split("Part 2 of 2", 1)
    # Each part holds its own committee's datasets, conditions and access period.
    assert ours in first and theirs not in first and "Publish results." in first
    assert "365" in first
    assert "# Registry terms" in second_part and theirs in second_part and ours not in second_part
    assert "For 180 days." in second_part and "Cite the registry." in second_part
    assert agreement.template.committee.slug == "genomics-dac"  # the lead committee's
    [created] = events("agreement.created", object_id=request.reference)
    assert created.data["templates"] == {"genomics-dac": 1, "rare-registry-dac": 1}


def test_a_countersignature_is_needed_when_any_committee_asks(approve_mixed, second):
    genomics = Committee.objects.get(slug="genomics-dac")
    agreement_services.agreement_policy_set(
        committee=genomics, actor=None, countersignature_required=False
    )
    agreement_services.agreement_policy_set(
        committee=second, actor=None, countersignature_required=True
    )
    request, _ours, _theirs = approve_mixed()
    assert Agreement.objects.get(access_request=request).countersignature_required is True
    assert (
        events("agreement.created", object_id=request.reference)[0].data[
            "countersignature_required"
        ]
        is True
    )


def test_a_dataset_rejected_by_one_committee_gets_no_grant_nor_part(approve_mixed):
    request, ours, theirs = approve_mixed(second_decides="rejected")
    assert [g.dataset.accession for g in Grant.objects.filter(access_request=request)] == [ours]
    text = Agreement.objects.get(access_request=request).text
    assert "Part 1 of" not in text and theirs not in text
