"""Demo access requests (needs accounts.demo and consent.demo first), made through the
services so that each has its audit trail, consent evaluations and notifications:

| key                | applicant   | datasets   | status        |
|--------------------|-------------|------------|---------------|
| draft              | researcher1 | DACD000001 | draft         |
| awaiting_endorsement | researcher1 | DACD000003 | submitted (official1 may endorse) |
| under_review       | researcher1 | DACD000004 | under_review (endorsed by official1) |
| withdrawn          | researcher1 | DACD000006 | withdrawn     |
| other_submitted    | researcher2 | DACD000002 | submitted     |

`changes_requested` needs the committee's request_changes service (the review issue); its
demo request belongs there. Requests are found again by applicant and title, so seeding
twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from access_requests import ethics, ethics_services, services
from access_requests.models import AccessRequest

ATTEST_ALL = {
    "no_reidentification": True,
    "no_stigmatisation": True,
    "security_measures": True,
    "publication_and_benefit_sharing": True,
}

REQUESTS: dict[str, dict[str, Any]] = {
    "draft": {
        "applicant": "researcher1",
        "steps": [],
        "data": {
            "title": "Blood pressure variants in East African adults",
            "lay_summary": "We want to find genetic differences linked to high blood pressure.",
            "purpose": {"hmb": True},
            "datasets": ["DACD000001"],
        },
    },
    "awaiting_endorsement": {
        "applicant": "researcher1",
        "steps": ["submit"],
        "data": {
            "title": "Pharmacogenomics of antihypertensive response",
            "lay_summary": "Why do some people respond better to blood pressure medicines?",
            "research_use_statement": "Genome-wide association of drug response phenotypes.",
            "purpose": {"hmb": True},
            "datasets": ["DACD000003"],
            "attestations": ATTEST_ALL,
        },
    },
    "under_review": {
        "applicant": "researcher1",
        "steps": ["submit", "endorse"],
        "data": {
            "title": "Germline risk variants in breast cancer",
            "lay_summary": "We study inherited gene changes that raise the risk of breast cancer.",
            "research_use_statement": "Case-only analysis of germline variants in tumour donors.",
            "purpose": {"diseases": ["DOID:1612"]},
            "datasets": ["DACD000004"],
            "collaborators": [
                {"name": "Ana Lima", "institution": "Fiocruz", "email": "ana.lima@example.org"}
            ],
            "attestations": ATTEST_ALL,
        },
    },
    "withdrawn": {
        "applicant": "researcher1",
        "steps": ["withdraw"],
        "data": {
            "title": "Diabetes polygenic scores (abandoned)",
            "purpose": {"diseases": ["DOID:9351"]},
            "datasets": ["DACD000006"],
        },
    },
    "other_submitted": {
        "applicant": "researcher2",
        "steps": ["submit"],
        "data": {
            "title": "Population structure in Mexican and Kenyan cohorts",
            "lay_summary": "How are genetic ancestries shared between populations?",
            "research_use_statement": "Comparative analysis of genome-wide genotypes.",
            "purpose": {},
            "datasets": ["DACD000002"],
            "attestations": ATTEST_ALL,
        },
    },
}


# A one-page PDF: what the demo files as an ethics committee's approval letter.
DEMO_APPROVAL_PDF = b"%PDF-1.4\n% demo ethics approval letter\n%%EOF\n"
DEMO_ETHICS_BODY = "KNH-UoN Ethics and Research Committee"


def file_demo_ethics_approval(
    access_request: AccessRequest, applicant: Any, *, valid_days: int = 365, number: str = ""
) -> None:
    """The applicant's ethics approval, as the demo files it where the consent asks."""
    ethics_services.ethics_approval_file(
        access_request=access_request,
        filename="ethics-approval.pdf",
        content=DEMO_APPROVAL_PDF,
        approving_body=DEMO_ETHICS_BODY,
        approval_number=number or f"P{access_request.pk:03d}/2026",
        expires_on=timezone.localdate() + timedelta(days=valid_days),
        actor=applicant,
    )


def submit_for_demo(
    access_request: AccessRequest, applicant: Any, *, ethics_valid_days: int = 365
) -> None:
    """Submit, first filing an ethics approval where a dataset's consent asks for one (the
    portal refuses the submission without it)."""
    if ethics.datasets_needing_approval(access_request):
        file_demo_ethics_approval(access_request, applicant, valid_days=ethics_valid_days)
    services.access_request_submit(access_request=access_request, actor=applicant)


def find(key: str) -> AccessRequest | None:
    spec = REQUESTS[key]
    return AccessRequest.objects.filter(
        applicant__username=spec["applicant"], title=spec["data"]["title"]
    ).first()


def seed(ctx: dict[str, Any]) -> None:
    users = ctx["users"]
    made: dict[str, AccessRequest] = {}
    for key, spec in REQUESTS.items():
        existing = find(key)
        if existing is not None:
            made[key] = existing
            continue
        applicant = users[spec["applicant"]]
        access_request = services.access_request_create(
            applicant=applicant, data=spec["data"], actor=applicant
        )
        for step in spec["steps"]:
            if step == "submit":
                # The request under review holds an approval that lapses within the month
                # (the reminders and the ethics page show it).
                days = 25 if key == "under_review" else 365
                submit_for_demo(access_request, applicant, ethics_valid_days=days)
            elif step == "endorse":
                services.access_request_endorse(
                    access_request=access_request, actor=users["official1"]
                )
            elif step == "withdraw":
                services.access_request_withdraw(
                    access_request=access_request, actor=applicant, reason="Project stopped."
                )
        made[key] = access_request
    ctx["access_requests"] = made
