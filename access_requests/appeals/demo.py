"""Demo appeal (after the review demo, which rejects researcher1's "Admixture mapping of
hypertension", DACD000002: member1 and member2 voted to reject and chair1 decided).
researcher1 appeals with a statement; the panel is the demo committee's voters who took no
part: lay1 (member3, at researcher1's university, is kept out by the conflict the portal
finds). No one has voted yet, so the appeal page shows lay1 a vote and a decision to
make, and the applicant an appeal being heard. Seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

from access_requests.appeals import services
from access_requests.models import Appeal
from access_requests.review.demo import find

STATEMENT = (
    "The committee read our protocol as silent on publication. Section 6 of the attached "
    "protocol commits us to open-access publication of aggregate results within a year, as "
    "the participants' consent asks (PUB); we should have pointed to it in the request."
)


def seed(ctx: dict[str, Any]) -> None:
    request = find("rejected")
    if request is None or request.status != "rejected":
        return
    if not Appeal.objects.filter(access_request=request).exists():
        services.appeal_file(
            access_request=request, statement=STATEMENT, actor=ctx["users"]["researcher1"]
        )
    ctx["appealed_request"] = request
