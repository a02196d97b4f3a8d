"""Demo history for the public statistics (/stats/): 54 requests of the last 12 months, 52
of them decided, so that the charts have something to show (every other demo request is made
today: without these each group reads "< 5" and the median days to decision is 0.0).

Applicants at ten institutions (Kenya, Nigeria, South Africa, Brazil, Mexico, the United
States, India, Thailand, Germany, the United Kingdom: four WHO regions, three World Bank
income groups), two per institution (`history-<country>-1` and `-2`, accounts without a
password: nobody signs in as them), each institution with a signing official
(`history-official-<country>`). Two requests in three go to the demo committee
(genomics-dac, dataset DACD000009: endorsed, then member1 and member2 vote and chair1
decides), one in three to the second committee (rare-registry-dac, DACD000008: member4
votes, chair2 decides). Mostly approved, some rejected, two withdrawn, and five answered
first with a request for changes (then resubmitted and decided).

Everything goes through the services, so each request has its audit trail. The services
stamp "now": afterwards the request's own dates (submission, routing, due date, first
response, decision, withdrawal; its committee routes, dataset rows, votes and revisions)
are moved back to the request's story, submitted on different days of the last year and
decided 5 to 60 days later. The approvals' agreements and grants date from their decision;
nobody signs them, so the lapse job (agreements.lapse) then lapses the offers older than the
committees' signature deadline, as it would have at the time (grants revoked, requests
closed), and the statistics rollup is rebuilt. The audit events keep their real times (the
log is append-only and hash-chained), as do the notifications; references carry the year of
seeding.

Seeded only when `DEMO_HISTORY` is on (the default; the test settings turn it off so the
suite's seed stays small). Found again by applicant and title: seeding twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from access_requests import services as request_services
from access_requests.demo import ATTEST_ALL, submit_for_demo
from access_requests.models import (
    AccessRequest,
    CommitteeRoute,
    RequestedDataset,
    RequestRevision,
    Vote,
)
from access_requests.review import services as review_services
from accounts import services as account_services
from accounts import training
from accounts.demo import demo_user
from accounts.models import Institution, PortalRoleAssignment, TrainingRecord, User
from agreements.lapse import lapse_unsigned
from agreements.models import Agreement, Grant
from transparency.rollup import rollup_refresh

PREFIX = "history-"
LEAD_DATASET = "DACD000009"  # genomics-dac, general research use
SECOND_DATASET = "DACD000008"  # rare-registry-dac, general research use


@dataclass(frozen=True)
class Site:
    """An institution of the history, its two applicants, and what became of each of its
    requests in turn: A approved, R rejected, W withdrawn, C changes asked then approved,
    X changes asked then rejected."""

    country: str
    institution: str
    type: str
    people: tuple[tuple[str, str], tuple[str, str]]
    outcomes: str


SITES = (
    Site(
        "KE",
        "Kenya Medical Research Institute",
        "government",
        (("Wanjiku", "Kamau"), ("Brian", "Otieno")),
        "AACAARRX",
    ),
    Site(
        "NG",
        "University of Ibadan",
        "academic",
        (("Ngozi", "Adeyemi"), ("Tunde", "Bello")),
        "AAAARR",
    ),
    Site(
        "ZA",
        "University of Cape Town",
        "academic",
        (("Thandiwe", "Nkosi"), ("Pieter", "van Wyk")),
        "AAAAW",
    ),
    Site("BR", "Fiocruz Bahia", "government", (("Juliana", "Souza"), ("Rafael", "Lima")), "AAAAA"),
    Site(
        "MX",
        "Hospital Infantil de México Federico Gómez",
        "hospital",
        (("Valeria", "Ortiz"), ("Jorge", "Ramírez")),
        "AAAA",
    ),
    Site(
        "US",
        "Lakeside Genomics Inc.",
        "commercial",
        (("Emily", "Carter"), ("Marcus", "Johnson")),
        "AAAAW",
    ),
    Site(
        "IN",
        "Christian Medical College Vellore",
        "academic",
        (("Ananya", "Iyer"), ("Rahul", "Menon")),
        "AAACA",
    ),
    Site(
        "TH",
        "Mahidol University",
        "academic",
        (("Siriporn", "Chaiyaphum"), ("Niran", "Suk")),
        "AAA",
    ),
    Site(
        "DE",
        "Charité – Universitätsmedizin Berlin",
        "hospital",
        (("Katrin", "Weber"), ("Jonas", "Fischer")),
        "AAAARX",
    ),
    Site(
        "GB",
        "Wellcome Genome Campus Trust",
        "nonprofit",
        (("Olivia", "Hughes"), ("Samuel", "Price")),
        "AACARRR",
    ),
)

# (title, lay summary, research use statement): a site's n-th request takes the n-th.
TOPICS = (
    (
        "Germline variants in early-onset colorectal cancer",
        "Which inherited gene changes make bowel cancer start young?",
        "Burden tests of rare germline variants in early-onset cases.",
    ),
    (
        "Pharmacogenomics of antimalarial response",
        "Why do some patients clear malaria parasites more slowly?",
        "Association of drug-metabolism genotypes with parasite clearance.",
    ),
    (
        "Sickle cell disease modifiers",
        "Which genes make sickle cell disease milder for some people?",
        "Genome-wide association of fetal haemoglobin levels.",
    ),
    (
        "Rare variants in congenital heart disease",
        "Which new gene changes cause heart defects at birth?",
        "De novo variant discovery in parent-child exomes.",
    ),
    (
        "Polygenic scores for type 2 diabetes across ancestries",
        "Can a genetic risk score predict diabetes equally well in every population?",
        "Calibration of polygenic scores in diverse cohorts.",
    ),
    (
        "Genetic architecture of hypertension",
        "How many genes shape blood pressure, and by how much?",
        "Heritability and fine-mapping of blood pressure loci.",
    ),
    (
        "Inherited retinal disease diagnosis",
        "Can whole exomes find the cause of inherited blindness?",
        "Diagnostic yield of exome sequencing in retinal dystrophies.",
    ),
    (
        "Tuberculosis susceptibility loci",
        "Why do some people exposed to tuberculosis fall ill and others not?",
        "Case-control association study of tuberculosis disease.",
    ),
)
CHANGES_ASKED = "Please attach your data management plan and say where the data will be stored."
REJECTION = "The data management plan does not show how the data will be kept secure."
DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)


@dataclass(frozen=True)
class Story:
    """One request of the history: its place in the whole (`key`) and among its site's."""

    key: int
    site: Site
    n: int

    @property
    def outcome(self) -> str:
        return self.site.outcomes[self.n]

    @property
    def applicant(self) -> str:
        return f"{PREFIX}{self.site.country.lower()}-{self.n % 2 + 1}"

    @property
    def second_committee(self) -> bool:
        return self.key % 3 == 2

    @property
    def title(self) -> str:
        return TOPICS[self.n][0]

    def times(self, now: dt.datetime) -> dict[str, dt.datetime]:
        """When each step happened: submitted on a day of the last year, routed (a day later
        where the signing official endorses), decided (or withdrawn) 5 to 59 days after
        routing, so at most about 60 after submission, and at least two days before `now`."""
        delay = 5 + (self.key * 17) % 55
        ago = delay + 3 + (self.key * 113) % (355 - delay)
        submitted = (now - ago * DAY).replace(
            hour=8 + self.key % 9, minute=(self.key * 7) % 60, second=0, microsecond=0
        )
        routed = submitted + (dt.timedelta(minutes=1) if self.second_committee else DAY)
        changes = routed + max(2, delay // 3) * DAY
        return {
            "submitted": submitted,
            "routed": routed,
            "changes": changes,
            "resubmitted": changes + DAY,
            "ended": routed + delay * DAY + (self.key % 8) * HOUR,
        }


def stories() -> list[Story]:
    found: list[Story] = []
    for site in SITES:
        for n in range(len(site.outcomes)):
            found.append(Story(len(found), site, n))
    return found


# -- the people ----------------------------------------------------------------------------------


def _role(user: User, role: str, institution: Institution | None) -> None:
    if not PortalRoleAssignment.objects.filter(user=user, role=role).exists():
        account_services.portal_role_assign(
            user=user, role=role, institution=institution, actor=None
        )


def _site_people(site: Site) -> None:
    """The institution, its signing official, and its two applicants with a current
    training record (the second committee asks for one)."""
    institution = Institution.objects.filter(name=site.institution).first()
    if institution is None:
        institution = account_services.institution_create(
            name=site.institution, country=site.country, type=site.type, actor=None
        )
    code = site.country.lower()
    official = demo_user(
        f"{PREFIX}official-{code}",
        "Signing",
        f"Official ({code.upper()})",
        institution,
        password=None,
    )
    _role(official, "signing_official", institution)
    for i, (first, last) in enumerate(site.people, start=1):
        applicant = demo_user(f"{PREFIX}{code}-{i}", first, last, institution, password=None)
        _role(applicant, "researcher", None)
        if not TrainingRecord.objects.filter(user=applicant).exists():
            training.training_record_add(
                actor=applicant,
                kind="data_protection",
                course="Data protection for health researchers",
                provider="CITI Program",
                completed_on=timezone.localdate() - 100 * DAY,
                certificate=f"CITI-H{applicant.pk:06d}",
            )


# -- one request's story -------------------------------------------------------------------------


def _find(story: Story) -> AccessRequest | None:
    return AccessRequest.objects.filter(
        applicant__username=story.applicant, title=story.title
    ).first()


def _reviewers(story: Story, users: dict[str, User]) -> tuple[User, list[User]]:
    if story.second_committee:
        return users["chair2"], [users["member4"]]
    return users["chair1"], [users["member1"], users["member2"]]


def _submitted(story: Story) -> AccessRequest:
    applicant = User.objects.get(username=story.applicant)
    title, lay_summary, statement = TOPICS[story.n]
    request = request_services.access_request_create(
        applicant=applicant,
        data={
            "title": title,
            "lay_summary": lay_summary,
            "research_use_statement": statement,
            "purpose": {"hmb": True},
            "datasets": [SECOND_DATASET if story.second_committee else LEAD_DATASET],
            "attestations": ATTEST_ALL,
        },
        actor=applicant,
    )
    submit_for_demo(request, applicant)
    request.refresh_from_db()
    if request.status == "submitted":
        official = User.objects.get(username=f"{PREFIX}official-{story.site.country.lower()}")
        request_services.access_request_endorse(access_request=request, actor=official)
        request.refresh_from_db()
    return request


def _changes(request: AccessRequest, chair: User) -> AccessRequest:
    """The committee asks for a plan; the applicant adds it and sends the request back."""
    review_services.access_request_request_changes(
        access_request=request, message=CHANGES_ASKED, actor=chair
    )
    applicant = request.applicant
    request_services.access_request_update(
        access_request=request,
        data={
            "research_use_statement": f"{request.research_use_statement} Data management "
            "plan attached: the data stay in the institution's secure research environment."
        },
        actor=applicant,
    )
    request_services.access_request_resubmit(access_request=request, actor=applicant)
    request.refresh_from_db()
    return request


def _decide(request: AccessRequest, story: Story, users: dict[str, User]) -> None:
    chair, voters = _reviewers(story, users)
    approve = story.outcome in "AC"
    for voter in voters:
        review_services.access_request_vote(
            access_request=request,
            vote="approve" if approve else "reject",
            rationale="Fits the consent." if approve else REJECTION,
            actor=voter,
        )
    accession = SECOND_DATASET if story.second_committee else LEAD_DATASET
    decision: dict[str, Any] = {"dataset": accession, "decision": "approved"}
    if not approve:
        decision = {"dataset": accession, "decision": "rejected", "reason": REJECTION}
    review_services.access_request_decide(access_request=request, decisions=[decision], actor=chair)


def _tell(story: Story, users: dict[str, User]) -> AccessRequest:
    request = _submitted(story)
    if story.outcome == "W":
        request_services.access_request_withdraw(
            access_request=request, actor=request.applicant, reason="Funding ended."
        )
        return request
    if story.outcome in "CX":
        request = _changes(request, _reviewers(story, users)[0])
    _decide(request, story, users)
    return request


# -- moving the dates back -----------------------------------------------------------------------

ATTESTED = (
    "attested_no_reidentification_at",
    "attested_no_stigmatisation_at",
    "attested_security_measures_at",
    "attested_publication_and_benefit_sharing_at",
)


def _backdate(request: AccessRequest, story: Story, now: dt.datetime) -> None:
    """Move the request's own dates to its story (the audit events keep theirs)."""
    request.refresh_from_db()
    t = story.times(now)
    changed = story.outcome in "CX"
    reviewed_from = t["resubmitted"] if changed else t["routed"]
    # As the services have it: due after the committee's target from the last (re)submission.
    target = request.committee.review_target_days if request.committee else 14
    due = reviewed_from + target * DAY if request.review_due_at else None
    ended = t["ended"]
    wanted: dict[str, dt.datetime | None] = {
        "submitted_at": t["submitted"],
        "endorsed_at": t["routed"],
        "routed_at": t["routed"],
        "review_due_at": due,
        "first_response_at": t["changes"] if changed else ended,
        "decided_at": ended,
        "withdrawn_at": ended,
        **dict.fromkeys(ATTESTED, t["submitted"]),
    }
    values = {f: v for f, v in wanted.items() if getattr(request, f) is not None}
    AccessRequest.objects.filter(pk=request.pk).update(
        created_at=t["submitted"] - HOUR, updated_at=ended, **values
    )
    routes = CommitteeRoute.objects.filter(access_request=request)
    routes.update(routed_at=t["routed"], review_due_at=due)
    routes.filter(decided_at__isnull=False).update(decided_at=ended)
    rows = RequestedDataset.objects.filter(access_request=request)
    rows.update(evaluated_at=reviewed_from if changed else t["submitted"])
    rows.filter(decided_at__isnull=False).update(decided_at=ended)
    Vote.objects.filter(access_request=request).update(
        cast_at=ended - 2 * HOUR, updated_at=ended - 2 * HOUR
    )
    revisions = RequestRevision.objects.filter(access_request=request)
    revisions.filter(number=1).update(created_at=t["submitted"])
    revisions.filter(number=2).update(created_at=t["resubmitted"])
    # The approval's offer dates from the decision, so that the lapse job treats an offer
    # left unsigned for months as it would have then.
    Agreement.objects.filter(access_request=request).update(created_at=ended)
    Grant.objects.filter(access_request=request).update(created_at=ended, status_changed_at=ended)


def seed(ctx: dict[str, Any]) -> None:
    if not settings.DEMO_HISTORY:
        return
    seed_history(ctx)


def seed_history(ctx: dict[str, Any]) -> None:
    """The history itself (whatever DEMO_HISTORY says): the people, each request not made
    yet, its dates moved back, then the statistics rollup rebuilt once."""
    for site in SITES:
        _site_people(site)
    now = timezone.now()
    made = 0
    for story in stories():
        if _find(story) is not None:
            continue
        request = _tell(story, ctx["users"])
        _backdate(request, story, now)
        made += 1
    if made:
        # Nobody signed these agreements: the offers older than the committees' signature
        # deadline lapse as the daily job would have lapsed them (grants revoked, requests
        # closed, applicants told), so the demo has no year-old pending grants.
        lapse_unsigned(timezone.now(), dry_run=False)
        rollup_refresh(timezone.now(), force=True)
    ctx["history_requests"] = made
