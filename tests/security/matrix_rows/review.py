"""Matrix rows for the committee review: the REST endpoints votes/, recuse/,
request-changes/ and decision/, the queue and the review page, on the demo requests of
access_requests/demo.py and review/demo.py: researcher1's request under review (member1
has voted: the quorum of 2 is not reached) and their approved one.

Who is who: chair1 chairs the demo committee; member1-3 are members (they vote, but
member3 works at researcher1's university: the portal keeps them out of researcher1's
requests, 403 `conflict_of_interest`, until a chair waives it); steward1
stewards it (sees it, does not vote); the admin is a superuser, who holds every committee
permission (so acts as chair) but is no member, so neither votes nor recuses. The applicant
and their signing official see the request (403 from the workflow); anyone else 404.
"""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row
from tests.security.matrix_rows.access_requests import api

MEMBERS = ("chair1", "member1", "member2", "member3")
COMMITTEE = (*MEMBERS, "steward1", "admin")


def expect(anonymous: int, others: int, *groups: dict[str, int], **by_role: int) -> dict[str, int]:
    """Later groups and the keyword roles win over earlier ones."""
    result = {"anonymous": anonymous, "*": others}
    for group in groups:
        result.update(group)
    result.update(by_role)
    return result


def members(status: int) -> dict[str, int]:
    return dict.fromkeys(MEMBERS, status)


def committee(status: int) -> dict[str, int]:
    return dict.fromkeys(COMMITTEE, status)


# On the request under review, the applicant and official1 see it: 403 from the workflow.
SEE_IT = {"researcher1": 403, "official1": 403}


def _ref(key: str):  # type: ignore[no-untyped-def]
    def reference(demo: Any) -> str:
        from access_requests.review.demo import find

        found = find(key)
        assert found is not None, f"demo request {key!r} missing"
        return found.reference

    return reference


def review_page(key: str, suffix: str = ""):  # type: ignore[no-untyped-def]
    return lambda demo: f"/review/{_ref(key)(demo)}/{suffix}"


def review_api(key: str, suffix: str):  # type: ignore[no-untyped-def]
    return lambda demo: f"/api/v1/requests/{_ref(key)(demo)}/{suffix}"


def _outside(accepted: bool) -> Any:
    """The demo's outside reviewers on the request under review: adviser1's accepted
    invitation, or the one sent by e-mail to someone without an account."""
    from access_requests.models import OutsideReviewer

    return OutsideReviewer.objects.get(
        access_request__reference=_ref("under_review")(None), accepted_at__isnull=not accepted
    )


def outside_page(suffix: str = ""):  # type: ignore[no-untyped-def]
    return lambda demo: f"/review/outside/{_outside(True).public_id}/{suffix}"


def _pending_link(demo: Any) -> str:
    """The link of the pending e-mail invitation, read from the message as its addressee
    would (no demo account has that address)."""
    import re

    from notifications.models import Notification

    reviewer = _outside(False)
    body = Notification.objects.get(
        dedupe_key=f"outside_reviewer.invited:{reviewer.public_id}"
    ).body_text
    found = re.search(r"/review/outside/invitations/[A-Za-z0-9_-]+/", body)
    assert found is not None
    return found.group(0)


def _queue_assign(demo: Any) -> dict[str, Any]:
    return {"requests": _ref("under_review")(demo), "reviewers": "member1"}


ROWS = [
    # -- REST ---------------------------------------------------------------------------------
    Row(
        "api-request-votes",
        "POST",
        api("under_review", "votes/"),
        expect(401, 404, SEE_IT, members(200), member3=403, steward1=403, admin=403),
        body={"vote": "approve", "rationale": "matrix"},
    ),
    Row(
        "api-request-votes",
        "POST",
        api("under_review", "votes/"),
        # The body is checked before the workflow: 400 for anyone who sees the request.
        expect(401, 404, committee(400), researcher1=400, official1=400),
        body={"vote": "maybe", "rationale": "matrix"},
        note="unknown vote",
    ),
    Row(
        "api-request-votes",
        "POST",
        review_api("approved", "votes/"),
        expect(401, 404, SEE_IT, members(409), member3=403, steward1=403, admin=409),
        body={"vote": "approve", "rationale": "matrix"},
        note="after the decision",
    ),
    Row(
        "api-request-recuse",
        "POST",
        api("under_review", "recuse/"),
        expect(401, 404, SEE_IT, members(200), member3=403, steward1=403, admin=403),
        body={"reason": "matrix"},
    ),
    Row(
        "api-request-conflict-waivers",
        "POST",
        api("under_review", "conflict-waivers/"),
        expect(401, 404, SEE_IT, committee(403), chair1=201, admin=201),
        body={"member": "member3", "reason": "matrix"},
    ),
    Row(
        "api-request-conflict-waivers",
        "POST",
        api("under_review", "conflict-waivers/"),
        expect(401, 404, SEE_IT, committee(403), chair1=409, admin=409),
        body={"member": "member1", "reason": "matrix"},
        note="no conflict to waive",
    ),
    Row(
        "api-request-request-changes",
        "POST",
        api("under_review", "request-changes/"),
        expect(401, 404, SEE_IT, committee(403), chair1=200, admin=200),
        body={"message": "matrix"},
    ),
    Row(
        "api-request-decision",
        "POST",
        api("under_review", "decision/"),
        expect(401, 404, SEE_IT, committee(403), chair1=409, admin=409),
        body={"decisions": [{"dataset": "DACD000004", "decision": "approved"}]},
        note="before the quorum",
    ),
    Row(
        "api-request-decision",
        "POST",
        api("under_review", "decision/"),
        expect(401, 404, SEE_IT, committee(403), chair1=400, admin=400),
        body={"decisions": [{"dataset": "DACD000004", "decision": "rejected"}]},
        note="rejection without a reason",
    ),
    # -- pages --------------------------------------------------------------------------------
    Row(
        "access_requests:review-queue",
        "GET",
        "/review/",
        expect(302, 403, committee(200), chair2=200, member4=200),
    ),
    Row(
        "access_requests:review-queue",
        "POST",
        "/review/",
        # chair2 and member4 review for another committee: the demo request is not theirs.
        expect(302, 403, chair1=302, admin=302, chair2=404, member4=404),
        body=_queue_assign,
        form=True,
        note="bulk assignment",
    ),
    Row(
        "access_requests:review-batch-decision",
        "POST",
        "/review/batch-decision/",
        # Committee people may post it; only chairs decide (the demo request is short of
        # its quorum: reported, left as it is). chair2 and member4 see no demo request.
        expect(302, 403, committee(302), chair2=400, member4=400),
        body=lambda demo: {
            "requests": _ref("under_review")(demo),
            "batch_decision": "approved",
            "batch_reason": "matrix",
            "confirm": "yes",
        },
        form=True,
    ),
    Row(
        "api-review-batch-decision",
        "POST",
        "/api/v1/review/batch-decision/",
        expect(401, 403, committee(200), chair2=404, member4=404),
        body=lambda demo: {"requests": [_ref("under_review")(demo)], "decision": "approved"},
    ),
    Row(
        "access_requests:review-mode",
        "POST",
        "/review/mode/",
        expect(302, 404, committee(403), chair1=302, admin=404),
        body={"committee": "genomics-dac", "review_mode": "all_members"},
        form=True,
    ),
    Row(
        "access_requests:review",
        "GET",
        review_page("under_review"),
        expect(302, 404, committee(200)),
    ),
    Row(
        "access_requests:review",
        "GET",
        review_page("changes_requested"),
        expect(302, 404, committee(200)),
        note="changes requested, member2 recused, member3's conflict waived",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "vote/"),
        expect(302, 404, members(302), member3=403, steward1=403, admin=403),
        body={"vote": "approve", "rationale": "matrix"},
        form=True,
    ),
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "note/"),
        expect(302, 404, members(302), member3=403, steward1=403, admin=302),
        body={"body": "matrix"},
        form=True,
        note="committee note",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "waive-conflict/"),
        expect(302, 404, committee(403), chair1=302, admin=302),
        body={"member": "member3", "reason": "matrix"},
        form=True,
        note="waive member3's conflict",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "nothing/"),
        expect(302, 404),
        form=True,
        note="unknown action",
    ),
    # -- outside reviewers (adviser1 reviews the request under review from outside) ----------
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "outside-reviewers/"),
        expect(302, 404, committee(403), chair1=302, admin=302),
        body={
            "outside_form": "1",
            "outside_name": "Matrix Expert",
            "outside_email": "matrix.expert@example.org",
            "outside_kind": "expert",
        },
        form=True,
        note="invite an outside reviewer",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        review_page("under_review", "end-outside-reviewer/"),
        expect(302, 404, committee(403), chair1=302, admin=302),
        body=lambda demo: {"outside_reviewer": str(_outside(False).public_id)},
        form=True,
        note="end an outside reviewer's invitation",
    ),
    Row(
        "access_requests:review-mode",
        "POST",
        "/review/mode/",
        expect(302, 404, committee(403), chair1=302, admin=404),
        body={"committee": "genomics-dac", "outside_votes_count": "yes"},
        form=True,
        note="outside reviewers' votes count",
    ),
    Row(
        "access_requests:outside-invitation",
        "GET",
        "/review/outside/invitations/not-a-valid-token/",
        expect(302, 404),
        note="unknown link",
    ),
    Row(
        "access_requests:outside-invitation",
        "GET",
        _pending_link,
        # Nobody in the demo has the invited address: each sees why they may not accept.
        expect(302, 403),
        note="someone else's invitation",
    ),
    Row(
        "access_requests:outside-invitation",
        "POST",
        _pending_link,
        expect(302, 403),
        form=True,
        note="someone else's invitation",
    ),
    Row(
        "access_requests:outside-review",
        "GET",
        outside_page(),
        # The committee reads the opinion on its review page; only the adviser has this one.
        expect(302, 404, adviser1=200),
    ),
    Row(
        "access_requests:outside-opinion",
        "POST",
        outside_page("opinion/"),
        expect(302, 404, adviser1=302),
        body={"opinion": "matrix"},
        form=True,
    ),
    Row(
        "access_requests:outside-opinion",
        "POST",
        outside_page("opinion/"),
        expect(302, 404, adviser1=400),
        body={"opinion": ""},
        form=True,
        note="no opinion",
    ),
    Row(
        "access_requests:outside-vote",
        "POST",
        outside_page("vote/"),
        # The demo committee does not count outside reviewers' votes.
        expect(302, 404, adviser1=403),
        body={"vote": "approve", "rationale": "matrix"},
        form=True,
    ),
    Row(
        "api-request-outside-reviewers",
        "GET",
        api("under_review", "outside-reviewers/"),
        expect(401, 404, committee(200)),
    ),
    Row(
        "api-request-outside-reviewers",
        "POST",
        api("under_review", "outside-reviewers/"),
        expect(401, 404, committee(403), chair1=201, admin=201),
        body={"name": "Matrix Expert", "email": "matrix.expert@example.org", "kind": "expert"},
    ),
    Row(
        "api-request-outside-reviewers",
        "POST",
        api("under_review", "outside-reviewers/"),
        # The body is checked before the workflow: 400 for anyone who sees the request.
        expect(401, 404, committee(400)),
        body={"name": "Matrix Expert", "email": "not an address", "kind": "expert"},
        note="bad address",
    ),
    Row(
        "api-request-outside-opinion",
        "POST",
        lambda demo: (
            f"/api/v1/requests/{_ref('under_review')(demo)}/outside-reviewers/"
            f"{_outside(True).public_id}/opinion/"
        ),
        expect(401, 404, adviser1=200),
        body={"opinion": "matrix"},
    ),
]
