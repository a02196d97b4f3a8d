"""Demo committee review (after accounts, consent, access_requests and agreements demos:
it runs after agreements.demo so that the committee's agreement template and
countersignature policy exist when an approval prepares its grants). Everything goes
through the services, so each step has its audit event and notifications.

All four are researcher1's (access_requests.demo "under_review" plus three made here):
- under_review (DACD000004): member1 voted approve; chair1 wrote a committee note.
- changes_requested (DACD000006): member3, at researcher1's university, was kept out by
  the portal until chair1 waived the conflict (different faculty); member2 recused
  (declared); member1 voted reject; chair1 asked for changes.
- rejected (DACD000002): two rejections; rejected with a reason.
- approved (DACD000005): two approvals; approved with a condition; a pending grant.
- mixed (DACD000009 of the demo committee and DACD000008 of the second committee,
  rare-registry-dac): a request spanning two committees, under review in both queues.
  member1 approved DACD000009 (the demo committee's quorum of 2 is not reached); member4
  approved DACD000008 (the second committee's quorum of 1 is: chair2 may decide it);
  chair1 and chair2 each wrote a note that only their own committee reads. The two
  datasets are made here (DACD000008 in study DACS000004 of the second committee, by
  steward2; DACD000009 in DACS000002, by steward1) so that no dataset the other demos and
  tests use is held open by this request.

Outside reviewers on under_review (DACD000004): adviser1 (Lerato Dlamini, a demo account
made here, password as every demo user) accepted chair1's invitation as ethics adviser and
gave an opinion; Joseph Kariuki, a community adviser without an account, is invited by
e-mail and has not answered.

Only researcher1 has a signing official in the demo (official1), so only their requests
reach the committee. Found again by applicant and title: seeding twice changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from access_requests import services
from access_requests.demo import ATTEST_ALL, submit_for_demo
from access_requests.demo import find as find_request
from access_requests.models import AccessRequest, CommitteeNote, OutsideReviewer, Vote
from access_requests.review import outside
from access_requests.review import services as review_services
from accounts import services as account_services
from accounts.models import User
from consent import services as consent_services
from consent.models import ConsentScope, Dataset, Study
from notifications.models import Notification

REQUESTS: dict[str, dict[str, Any]] = {
    "changes_requested": {
        "title": "Diabetes risk loci in East African cohorts",
        "lay_summary": "Which inherited gene changes raise the risk of type 2 diabetes?",
        "research_use_statement": "Genome-wide association of type 2 diabetes status.",
        "purpose": {"diseases": ["DOID:9351"]},
        "datasets": ["DACD000006"],
    },
    "rejected": {
        "title": "Admixture mapping of hypertension",
        "lay_summary": "Do ancestry segments explain differences in blood pressure?",
        "research_use_statement": "Admixture mapping of blood pressure traits.",
        "purpose": {"hmb": True},
        "datasets": ["DACD000002"],
    },
    "approved": {
        "title": "Population origins of reference panels",
        "lay_summary": "Where do the populations of our reference panel come from?",
        "research_use_statement": "Ancestry inference against the reference panel.",
        "purpose": {"population_origins": True},
        "datasets": ["DACD000005"],
    },
    "mixed": {
        "title": "Shared rare variants in tumour and rare disease exomes",
        "lay_summary": "Do inherited variants seen in rare diseases also appear in tumours?",
        "research_use_statement": "Burden tests of rare germline variants across two cohorts.",
        "purpose": {"hmb": True},
        "datasets": ["DACD000009", "DACD000008"],
    },
}

# accession, study (accession, title, committee key), title, steward
MIXED_DATASETS = [
    (
        "DACD000008",
        ("DACS000004", "Rare Disease Registry", "second_committee"),
        "Rare disease registry exomes",
        "steward2",
    ),
    (
        "DACD000009",
        ("DACS000002", "Cancer and Metabolic Disease Biobank", "committee"),
        "Biobank germline exomes",
        "steward1",
    ),
]


def find(key: str) -> AccessRequest | None:
    if key == "under_review":
        return find_request("under_review")
    return AccessRequest.objects.filter(
        applicant__username="researcher1", title=REQUESTS[key]["title"]
    ).first()


def _under_review(users: dict[str, Any], key: str) -> AccessRequest:
    applicant = users["researcher1"]
    request = services.access_request_create(
        applicant=applicant, data={**REQUESTS[key], "attestations": ATTEST_ALL}, actor=applicant
    )
    submit_for_demo(request, applicant)
    request.refresh_from_db()
    if request.status == "submitted":
        services.access_request_endorse(access_request=request, actor=users["official1"])
    request.refresh_from_db()
    return request


def _vote(request: AccessRequest, user: Any, choice: str, rationale: str) -> None:
    review_services.access_request_vote(
        access_request=request, vote=choice, rationale=rationale, actor=user
    )


def _mixed_datasets(ctx: dict[str, Any]) -> None:
    """The two datasets of the mixed request, each with a GRU consent scope."""

    users = ctx["users"]
    for accession, (study_acc, study_title, committee_key), title, steward in MIXED_DATASETS:
        study = Study.objects.filter(accession=study_acc).first()
        if study is None:
            study = consent_services.study_create(
                accession=study_acc,
                title=study_title,
                description=f"{study_title}: exomes of consenting patients.",
                committee=ctx[committee_key],
                actor=users[steward],
            )
        dataset = Dataset.objects.filter(accession=accession).first()
        if dataset is None:
            dataset = consent_services.dataset_create(
                accession=accession,
                study=study,
                title=title,
                description=f"{title} from the {study.title}.",
                participant_count=420,
                data_types=["exomes"],
                actor=users[steward],
            )
        if not ConsentScope.objects.filter(dataset=dataset).exists():
            consent_services.consent_scope_create(
                dataset=dataset,
                data_use={"permission": "GRU"},
                note="Participants consented to general research use.",
                actor=users[steward],
            )


def _mixed(users: dict[str, Any]) -> AccessRequest:
    request = _under_review(users, "mixed")
    _vote(request, users["member1"], "approve", "Germline exomes fit the general research consent.")
    review_services.access_request_vote(
        access_request=request,
        vote="approve",
        rationale="The registry consent allows this burden test.",
        dataset="DACD000008",
        actor=users["member4"],
    )
    review_services.access_request_note_add(
        access_request=request,
        body="Our biobank's exomes: ask for the variant calling pipeline.",
        actor=users["chair1"],
    )
    review_services.access_request_note_add(
        access_request=request,
        body="Registry families were told of cancer research: fine for us.",
        actor=users["chair2"],
    )
    return request


# The outside reviewers of the request under review: an adviser with an account who
# accepted and gave an opinion, and a community adviser invited by e-mail alone.
ADVISER = {
    "username": "adviser1",
    "email": "adviser1@example.org",
    "first_name": "Lerato",
    "last_name": "Dlamini",
}
ADVISER_OPINION = (
    "The consent covers case-only germline analysis. The ethics approval names the "
    "Nairobi team only: ask for the amendment that adds the Brazilian collaborator before "
    "any data leaves the data host."
)
PENDING_ADVISER = {
    "name": "Joseph Kariuki",
    "email": "joseph.kariuki@example.org",
    "kind": "community",
}


def _adviser() -> User:
    user = User.objects.filter(username=ADVISER["username"]).first()
    if user is None:
        user = account_services.user_create(
            username=ADVISER["username"],
            email=ADVISER["email"],
            password=settings.DEMO_PASSWORD,
            first_name=ADVISER["first_name"],
            last_name=ADVISER["last_name"],
            actor=None,
        )
    return user


def _link_in_invitation(reviewer: OutsideReviewer) -> str:
    """The token of the invitation's link, read from the message as the adviser would."""
    message = Notification.objects.get(dedupe_key=f"outside_reviewer.invited:{reviewer.public_id}")
    found = re.search(r"/review/outside/invitations/([A-Za-z0-9_-]+)/", message.body_text)
    assert found is not None, "the invitation carries no link"
    return found.group(1)


def _outside_reviewers(request: AccessRequest, chair: Any) -> None:
    adviser = _adviser()
    if OutsideReviewer.objects.filter(access_request=request).exists():
        return
    invited = outside.outside_reviewer_invite(
        access_request=request,
        name=f"{ADVISER['first_name']} {ADVISER['last_name']}",
        email=ADVISER["email"],
        kind="ethics",
        actor=chair,
    )
    joined = outside.outside_reviewer_invitation_accept(
        token=_link_in_invitation(invited), actor=adviser
    )
    outside.outside_reviewer_opinion_give(reviewer=joined, opinion=ADVISER_OPINION, actor=adviser)
    outside.outside_reviewer_invite(access_request=request, **PENDING_ADVISER, actor=chair)


# long: the demo story of the review told in order; each step needs the one before
def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    chair, member1, member2, member3 = (
        users["chair1"],
        users["member1"],
        users["member2"],
        users["member3"],
    )
    made: dict[str, AccessRequest] = {}

    request = find("under_review")
    if request is not None and request.status == "under_review":
        if not Vote.objects.filter(access_request=request, voter=member1).exists():
            _vote(
                request,
                member1,
                "approve",
                "Case-only germline analysis fits the disease-specific consent.",
            )
        if not CommitteeNote.objects.filter(access_request=request).exists():
            review_services.access_request_note_add(
                access_request=request,
                body="Check that the ethics approval covers the Brazilian collaborator.",
                actor=chair,
            )
        _outside_reviewers(request, chair)
        made["under_review"] = request

    request = find("changes_requested")
    if request is None:
        request = _under_review(users, "changes_requested")
        review_services.access_request_conflict_waive(
            access_request=request,
            member=member3,
            reason="Member3 is in another faculty of the university and has never worked "
            "with the applicant's team.",
            actor=chair,
        )
        review_services.access_request_recuse(
            access_request=request,
            reason="I reviewed this team's grant application last year.",
            actor=member2,
        )
        _vote(request, member1, "reject", "The data management plan is missing.")
        review_services.access_request_request_changes(
            access_request=request,
            message="Please attach your data management plan and say where the data will be "
            "stored.",
            actor=chair,
        )
    made["changes_requested"] = request

    request = find("rejected")
    if request is None:
        request = _under_review(users, "rejected")
        _vote(request, member1, "reject", "The consent asks for publication; no plan is given.")
        _vote(request, member2, "reject", "The purpose is broader than the protocol.")
        review_services.access_request_decide(
            access_request=request,
            decisions=[
                {
                    "dataset": "DACD000002",
                    "decision": "rejected",
                    "reason": "The protocol does not show how results will be published, as "
                    "the participants' consent requires (PUB).",
                }
            ],
            actor=chair,
        )
    made["rejected"] = request

    request = find("approved")
    if request is None:
        request = _under_review(users, "approved")
        _vote(request, member1, "approve", "Population origins research is what consent allows.")
        _vote(request, member2, "approve", "The geographic restriction is met (Africa).")
        review_services.access_request_decide(
            access_request=request,
            decisions=[
                {
                    "dataset": "DACD000005",
                    "decision": "approved",
                    "conditions": ["Share derived allele frequencies with the data provider."],
                }
            ],
            actor=chair,
        )
    made["approved"] = request

    _mixed_datasets(ctx)
    request = find("mixed")
    if request is None:
        request = _mixed(users)
    made["mixed"] = request
    ctx["reviewed_requests"] = made
