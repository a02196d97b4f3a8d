"""Batch decisions from the review queue (issue 17): SQL queries per request when one
chair's decision is applied to 10 and to 50 quorate requests (target: equal per request:
each request is decided by the same per-request service, nothing grows with the batch),
and requests decided per second. The requests are made through the services (create,
submit, two votes) and everything is rolled back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.bench.harness import Bench, Figure, queries_of, section, timed

SIZES = (10, 50)


class _Rollback(Exception):
    pass


def _quorate_requests(count: int, tag: str) -> list[Any]:
    """`count` requests under review with the quorum of approvals, one applicant each."""
    from access_requests import services as request_services
    from access_requests.review import services as review_services
    from accounts import services as account_services
    from accounts.models import Committee, Institution, User
    from agreements.demo import ATTEST_ALL, PURPOSE_GRU

    committee = Committee.objects.get(slug="genomics-dac")
    committee.endorsement_required = False
    committee.save(update_fields=["endorsement_required"])
    institution = Institution.objects.order_by("id").last()
    voters = [User.objects.get(username=name) for name in ("member1", "member2")]
    made = []
    for i in range(count):
        applicant = account_services.user_create(
            username=f"bench-batch-{tag}-{i}",
            email=f"bench-batch-{tag}-{i}@example.org",
            password=None,
            institution=institution,
            actor=None,
        )
        account_services.portal_role_assign(user=applicant, role="researcher", actor=None)
        request = request_services.access_request_create(
            applicant=applicant,
            data={
                "title": f"Batch bench {tag} {i}",
                "lay_summary": "Bench.",
                "research_use_statement": "Bench.",
                "purpose": PURPOSE_GRU,
                "datasets": ["DACD000001"],
                "attestations": ATTEST_ALL,
            },
            actor=applicant,
        )
        request_services.access_request_submit(access_request=request, actor=applicant)
        for voter in voters:
            review_services.access_request_vote(
                access_request=request, vote="approve", rationale="Bench.", actor=voter
            )
        made.append(request)
    return made


def run(bench: Bench) -> Iterator[Figure]:
    from django.db import transaction

    from access_requests.review import services as review_services
    from accounts.models import User

    chair = User.objects.get(username="chair1")
    measured: dict[int, tuple[float, float]] = {}
    for size in SIZES:
        try:
            with transaction.atomic():
                with section(f"batch decision: {size} quorate requests"):
                    requests = _quorate_requests(size, str(size))
                outcomes: list[Any] = []

                def decide(requests: list[Any] = requests, outcomes: list[Any] = outcomes) -> None:
                    outcomes.extend(
                        review_services.access_requests_decide_batch(
                            access_requests=requests,
                            decision="approved",
                            reason="Bench.",
                            actor=chair,
                        )
                    )

                queries, seconds = timed(queries_of, decide)
                if not all(o.decided for o in outcomes) or len(outcomes) != size:
                    raise RuntimeError(f"the batch decided {outcomes}")
                measured[size] = (queries / size, size / seconds)
                raise _Rollback
        except _Rollback:
            pass
    small, large = measured[SIZES[0]], measured[SIZES[-1]]
    yield Figure(
        f"batch decision: requests decided per second ({SIZES[-1]} at once)",
        large[1],
        "requests/s",
        floor=small[1],
        extra={
            "queries_per_request_at_10": round(small[0], 1),
            "queries_per_request_at_50": round(large[0], 1),
            "floor_is": f"the same decision on {SIZES[0]} requests",
        },
    )
