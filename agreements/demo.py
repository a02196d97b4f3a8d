"""Demo agreements and grants (needs accounts, consent and access_requests demos first).

The demo committee gets its own agreement template (v1) and a policy asking for the
signing official's countersignature. Approved requests, one per row below, are made
through the services end to end (`approve_for_demo`: submission, endorsement, votes,
the chair's decision), then signed, countersigned, suspended … through this app's.

(Datasets for which another demo left the applicant an open request are skipped.)

| title (applicant)                             | datasets               | grants            |
|-----------------------------------------------|------------------------|-------------------|
| Ancestry-aware polygenic scores (researcher1) | DACD000002, DACD000006 | active; suspended |
| Reference panel imputation (researcher1)      | DACD000005             | pending (to sign) |
| Cohort quality-control pipeline (researcher1) | DACD000007             | expired; closed   |
| Ancestry inference benchmarks (researcher1)   | DACD000005             | to countersign    |
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from access_requests import services as request_services
from access_requests.demo import submit_for_demo
from access_requests.models import AccessRequest, RequestedDataset
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from accounts.decision_policy import committee_decision_policy_set
from accounts.models import User
from agreements import services
from agreements.jobs import expire_grants
from agreements.models import (
    Agreement,
    AgreementPolicy,
    AgreementTemplate,
    CollaboratorAccess,
    CollaboratorStatus,
    Findings,
    Grant,
)

ATTEST_ALL = {
    "no_reidentification": True,
    "no_stigmatisation": True,
    "security_measures": True,
    "publication_and_benefit_sharing": True,
}

TEMPLATE_TITLE = "Genomics DAC data use agreement"
TEMPLATE_BODY = """# Data use agreement — {{ reference }}

This agreement is made between the **{{ committee }}** (the Committee) and
**{{ applicant }}** of **{{ institution }}** (the Researcher) for the project
"{{ title }}".

## 1. Data

{{ datasets }}

## 2. Conditions of approval

{{ conditions }}

## 3. Collaborators

The Researcher may share the data only with these collaborators, who are bound by this
agreement as well:

{{ collaborators }}

## 4. Undertakings

1. Use the data only for the research approved under {{ reference }}.
2. Make no attempt to re-identify participants or to link the data for that purpose.
3. Do not use the data or results to stigmatise or discriminate against any participant or
   community.
4. Store and process the data only in the secure environment described in the request.
5. Acknowledge the data source and the participants in every publication, and report
   yearly on progress and publications.
6. Delete withdrawn participants' data within 30 days of being told.
7. Destroy all copies when access ends, {{ access_days }} days after activation unless
   renewed, and attest the destruction together with the institution's signing official.

Prepared on {{ date }}.
"""

PURPOSE_GRU: dict[str, Any] = {"genetic_studies": True}


def approve_for_demo(
    *,
    applicant: User,
    title: str,
    datasets: list[str],
    chair: User,
    official: User | None = None,
    purpose: dict[str, Any] | None = None,
    conditions: list[str] | None = None,
    collaborators: list[dict[str, str]] | None = None,
) -> AccessRequest:
    """An approved request with pending grants and its agreement, made entirely through
    the services: draft, submission, endorsement by `official` (the demo committee asks
    for it), an approving vote by every eligible committee member, and the chair's
    decision, which prepares the grants (agreements.services.grants_prepare_for_approval).
    Tests use this too."""

    data: dict[str, Any] = {
        "title": title,
        "lay_summary": f"Lay summary of: {title}.",
        "research_use_statement": f"Research use statement for: {title}.",
        "purpose": purpose if purpose is not None else PURPOSE_GRU,
        "datasets": datasets,
        "attestations": ATTEST_ALL,
    }
    if collaborators:
        data["collaborators"] = collaborators
    access_request = request_services.access_request_create(
        applicant=applicant, data=data, actor=applicant
    )
    submit_for_demo(access_request, applicant)
    access_request.refresh_from_db()
    if access_request.status == "submitted":
        if official is None:
            raise ValueError("The committee asks for an endorsement: pass the signing official.")
        request_services.access_request_endorse(access_request=access_request, actor=official)
        access_request.refresh_from_db()
    # Everyone eligible who is not kept out by a recusal or a conflict of interest.
    eligible = review_selectors.eligible_voter_ids(access_request)
    voters = User.objects.filter(pk__in=eligible - review_selectors.kept_out_ids(access_request))
    for voter in voters.order_by("username"):
        review_services.access_request_vote(
            access_request=access_request,
            vote="approve",
            rationale="Fits the consent and the committee's policy.",
            actor=voter,
        )
    review_services.access_request_decide(
        access_request=access_request,
        decisions=[
            {"dataset": accession, "decision": "approved", "conditions": list(conditions or [])}
            for accession in datasets
        ],
        actor=chair,
    )
    access_request.refresh_from_db()
    return access_request


def free_datasets(applicant: User, wanted: list[str]) -> list[str]:
    """The wanted datasets for which the applicant holds no open request (other demos may
    hold some open, and one open request per applicant and dataset is a constraint)."""
    taken = set(
        RequestedDataset.objects.filter(applicant=applicant, is_open=True).values_list(
            "dataset__accession", flat=True
        )
    )
    return [accession for accession in wanted if accession not in taken]


def sign_all(access_request: AccessRequest, official: User | None) -> Agreement:
    """Everyone signs: the applicant, the official where asked, and each collaborator
    with an account (e-mail invitations stay open: only the invited person can accept)."""
    agreement = Agreement.objects.get(access_request=access_request)
    invited = CollaboratorAccess.objects.filter(
        access_request=access_request, status=CollaboratorStatus.INVITED, user__isnull=False
    ).select_related("user")
    for access in invited:
        assert access.user is not None  # the query asked for accounts
        services.collaborator_sign(
            access=access, actor=access.user, text_sha256=agreement.text_sha256, accept=True
        )
    if not agreement.is_signed:
        agreement = services.agreement_sign(
            agreement=agreement,
            actor=access_request.applicant,
            text_sha256=agreement.text_sha256,
            accept=True,
        )
    if agreement.countersignature_required and official and agreement.countersigned_at is None:
        agreement = services.agreement_countersign(agreement=agreement, actor=official)
    return agreement


# The active demo request's team: a colleague with an account (signs), someone invited by
# e-mail who has not answered yet, and someone the applicant took off the list.
LEFT_THE_TEAM = "lena.fischer@example.org"
DEMO_COLLABORATORS = [
    {"username": "researcher3"},
    {"name": "Ada Okafor", "institution": "University of Lagos", "email": "ada.okafor@example.org"},
    {"name": "Lena Fischer", "institution": "Heidelberg University", "email": LEFT_THE_TEAM},
]


RENEWAL_JUSTIFICATION = (
    "The cohort's second data release arrives in March; we need a further year to rerun the "
    "scores on it and to publish, as the conditions of approval ask."
)


def _seed_committee_renewal(committee: Any, users: dict[str, Any], request: AccessRequest) -> None:
    """The demo committee votes on renewals; researcher1 asks to renew the active grant of
    "Ancestry-aware polygenic scores" and member1 has voted, so the grant page shows a
    renewal waiting for the committee: member2 and lay1 may vote, and chair1 decides once
    the quorum of 2 has voted."""
    if not committee.renewals_by_committee:
        committee_decision_policy_set(
            committee=committee,
            renewals_by_committee=True,
            appeal_window_days=committee.appeal_window_days,
            appeals_committee=committee.appeals_committee,
            actor=users["chair1"],
        )
        committee.refresh_from_db()
    grant = Grant.objects.filter(access_request=request, status="active").first()
    if grant is None or grant.renewals.exists():
        return
    services.grant_renewal_request(
        grant=grant, actor=users["researcher1"], justification=RENEWAL_JUSTIFICATION
    )
    services.grant_renewal_vote(
        grant=grant,
        actor=users["member1"],
        vote="approve",
        rationale="Progress reports are on time and the second release is within the consent.",
    )


DEMO_FINDINGS = {
    "summary": (
        "Scores built with ancestry-aware weights predicted type 2 diabetes risk as well in "
        "African-ancestry participants as in European-ancestry ones; the usual scores did not."
    ),
    "publications": ["https://doi.org/10.5555/DEMO.2026.001"],
    "return_of_results": (
        "A plain-language leaflet went to the cohort's community advisory board, which "
        "shared it at its spring meetings."
    ),
}


def _seed_findings(users: dict[str, Any], request: AccessRequest) -> None:
    """researcher1 reports findings with one DOI on the suspended grant of "Ancestry-aware
    polygenic scores" and chair1 publishes them, so the register shows findings. The
    suspended grant, so that the active one keeps its report due (tests file it)."""
    grant = Grant.objects.filter(access_request=request, status="suspended").first()
    if grant is None or Findings.objects.filter(grant=grant).exists():
        return
    services.progress_report_submit(
        grant=grant,
        actor=users["researcher1"],
        summary="Scores computed for both datasets; the storage audit is booked.",
        findings=DEMO_FINDINGS,
    )
    findings = Findings.objects.get(grant=grant)
    services.findings_publish(findings=findings, actor=users["chair1"])


# long: the demo story of grants told in order; each step needs the one before
def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    committee = ctx["committee"]
    chair, official, steward = users["chair1"], users["official1"], users["steward1"]

    if not AgreementPolicy.objects.filter(committee=committee).exists():
        services.agreement_policy_set(
            committee=committee, actor=None, countersignature_required=True
        )
    if not AgreementTemplate.objects.filter(committee=committee).exists():
        services.agreement_template_create(
            committee=committee, title=TEMPLATE_TITLE, body=TEMPLATE_BODY, actor=steward
        )

    def existing(applicant: str, title: str) -> AccessRequest | None:
        return AccessRequest.objects.filter(applicant__username=applicant, title=title).first()

    made: dict[str, AccessRequest | None] = {}

    title = "Ancestry-aware polygenic scores"
    request = existing("researcher1", title)
    free = free_datasets(users["researcher1"], ["DACD000002", "DACD000006", "DACD000001"])
    if request is None and len(free) >= 2:
        request = approve_for_demo(
            applicant=users["researcher1"],
            title=title,
            datasets=free[:2],
            chair=chair,
            official=official,
            purpose={"diseases": ["DOID:9351"]},
            conditions=[
                "Publish the results, open access, within a year of the project's end.",
                "No commercial use of the data or of results derived from it.",
            ],
            collaborators=DEMO_COLLABORATORS,
        )
        sign_all(request, official)  # researcher3 signs; the e-mail invitations stay open
        gone = CollaboratorAccess.objects.get(access_request=request, email=LEFT_THE_TEAM)
        services.collaborator_remove(
            access=gone, actor=users["researcher1"], reason="Moved to another project."
        )
        suspended = Grant.objects.filter(access_request=request).order_by("-id").first()
        assert suspended is not None
        services.grant_suspend(
            grant=suspended,
            actor=chair,
            reason="The storage audit of the researcher's site is overdue.",
        )
    made["active"] = request
    if request is not None:
        _seed_committee_renewal(committee, users, request)
        _seed_findings(users, request)

    title = "Reference panel imputation"
    request = existing("researcher1", title)
    free = free_datasets(users["researcher1"], ["DACD000005"])
    if request is None and free:
        request = approve_for_demo(
            applicant=users["researcher1"],
            title=title,
            datasets=free,
            chair=chair,
            official=official,
            purpose={"population_origins": True},
        )
    made["pending"] = request

    title = "Cohort quality-control pipeline"
    request = existing("researcher1", title)
    free = free_datasets(users["researcher1"], ["DACD000007"])
    if request is None and free:
        request = approve_for_demo(
            applicant=users["researcher1"],
            title=title,
            datasets=free,
            chair=chair,
            official=official,
        )
        sign_all(request, official)
        # A grant from last year: its period is moved into the past (demo only), then the
        # expiry job's sweep expires it and closes the request, as it would have then.
        start = timezone.now() - timedelta(days=400)
        Grant.objects.filter(access_request=request).update(
            starts_at=start, ends_at=start + timedelta(days=365), next_report_due_on=None
        )

        expire_grants(timezone.now(), dry_run=False)
    made["expired"] = request

    title = "Ancestry inference benchmarks"
    request = existing("researcher1", title)
    free = free_datasets(users["researcher1"], ["DACD000005"])
    if request is None and free:
        request = approve_for_demo(
            applicant=users["researcher1"],
            title=title,
            datasets=free,
            chair=chair,
            official=official,
            purpose={"population_origins": True},
            conditions=["GS: analyses stay within the consented region"],
        )
        sign_all(request, None)
    made["awaiting_countersignature"] = request
    ctx["approved_requests"] = made
