"""Matrix rows for access requests: the pages and the REST API, on the demo requests of
access_requests/demo.py (researcher1's draft, their request awaiting endorsement by
official1, and their request under review by the demo committee)."""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row

ANY_SIGNED_IN_API = {"anonymous": 401, "*": 200}
ANY_SIGNED_IN_PAGE = {"anonymous": 302, "*": 200}
# Who sees the request under review: the applicant, their institution's signing official,
# and the committee (members, chair, steward; the superuser holds every committee right).
REVIEW_VIEWERS = [
    "researcher1",
    "official1",
    "chair1",
    "member1",
    "member2",
    "member3",
    "steward1",
    "admin",
]


def ref(key: str):  # type: ignore[no-untyped-def]
    def reference(demo: Any) -> str:
        from access_requests.demo import find

        found = find(key)
        assert found is not None, f"demo request {key!r} missing"
        return found.reference

    return reference


def api(key: str, suffix: str = ""):  # type: ignore[no-untyped-def]
    return lambda demo: f"/api/v1/requests/{ref(key)(demo)}/{suffix}"


def page(key: str, suffix: str = ""):  # type: ignore[no-untyped-def]
    return lambda demo: f"/requests/{ref(key)(demo)}/{suffix}"


def _document(demo: Any) -> str:
    """A document on the draft, made inside the row's rolled-back savepoint."""
    from access_requests import services
    from access_requests.demo import find

    draft = find("draft")
    document = services.access_request_document_add(
        access_request=draft,
        filename="ethics.pdf",
        content=b"%PDF-1.7\n%%EOF\n",
        kind="ethics_approval",
        actor=draft.applicant,
    )
    return str(document.public_id)


def only(owner: str, status: int, *, anonymous: int, others: int = 404) -> dict[str, int]:
    return {"anonymous": anonymous, owner: status, "*": others}


def under_review(status: int, *, anonymous: int, applicant: int | None = None) -> dict[str, int]:
    expect = {"anonymous": anonymous, "*": 404}
    expect.update(dict.fromkeys(REVIEW_VIEWERS, status))
    if applicant is not None:
        expect["researcher1"] = applicant
    return expect


def mixed(suffix: str, *, api_path: bool = True):  # type: ignore[no-untyped-def]
    def path(demo: Any) -> str:
        from access_requests.review.demo import find

        found = find("mixed")
        assert found is not None, "demo request 'mixed' missing"
        prefix = "/api/v1/requests/" if api_path else "/review/"
        return f"{prefix}{found.reference}/{suffix}"

    return path


MIXED_COMMITTEE = ["chair1", "member1", "member2", "member3", "steward1"]


def mixed_expect(
    status: int, *, anonymous: int, admin: int, see_it: int = 403, **owners: int
) -> dict[str, int]:
    """`status` for the first committee's people acting on the second committee's dataset;
    `owners` for chair2 and member4, whose committee that dataset is."""
    expect = {"anonymous": anonymous, "*": 404, "researcher1": see_it, "official1": see_it}
    expect.update(dict.fromkeys(MIXED_COMMITTEE, status))
    expect["admin"] = admin
    expect.update(owners)
    return expect


MIXED_ROWS = [
    Row(
        "api-request-decision",
        "POST",
        mixed("decision/"),
        mixed_expect(403, anonymous=401, admin=200, chair2=200, member4=403),
        body={"decisions": [{"dataset": "DACD000008", "decision": "approved"}]},
        note="mixed request: the other committee's dataset",
    ),
    Row(
        "api-request-votes",
        "POST",
        mixed("votes/"),
        mixed_expect(403, anonymous=401, admin=403, chair2=200, member4=200),
        body={"dataset": "DACD000008", "vote": "approve", "rationale": "matrix"},
        note="mixed request: the other committee's dataset",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        mixed("decide/", api_path=False),
        # The review page is the committee's: the applicant and official get 404 there.
        mixed_expect(403, anonymous=302, admin=302, see_it=404, chair2=302, member4=403),
        body={"decision_DACD000008": "approved", "confirm": "yes"},
        form=True,
        note="mixed request: the other committee's dataset",
    ),
    Row(
        "access_requests:review-action",
        "POST",
        mixed("decide/", api_path=False),
        # The confirmation step: the same checks, nothing recorded, the decision restated.
        mixed_expect(403, anonymous=302, admin=200, see_it=404, chair2=200, member4=403),
        body={"decision_DACD000008": "approved"},
        form=True,
        note="mixed request: confirming a decision on the other committee's dataset",
    ),
]

RESEARCHERS_ONLY_API = {"anonymous": 401, "researcher1": 201, "researcher2": 201, "*": 403}

ROWS = [
    # -- REST ---------------------------------------------------------------------------------
    Row("api-requests", "GET", "/api/v1/requests/", ANY_SIGNED_IN_API),
    Row(
        "api-requests",
        "POST",
        "/api/v1/requests/",
        RESEARCHERS_ONLY_API,
        body={"title": "Matrix", "datasets": ["DACD000005"]},
        note="create a draft",
    ),
    Row("api-request", "GET", api("draft"), only("researcher1", 200, anonymous=401), note="draft"),
    Row(
        "api-request",
        "GET",
        api("under_review"),
        under_review(200, anonymous=401),
        note="under review",
    ),
    Row(
        "api-request",
        "PATCH",
        api("draft"),
        only("researcher1", 200, anonymous=401),
        body={"title": "Matrix"},
        note="draft",
    ),
    Row(
        "api-request",
        "PATCH",
        api("under_review"),
        under_review(403, anonymous=401, applicant=409),
        body={"title": "Matrix"},
        note="under review: 409 for the applicant, 403 for the committee",
    ),
    Row(
        "api-request-submit",
        "POST",
        api("draft", "submit/"),
        only("researcher1", 400, anonymous=401),
        note="incomplete draft",
    ),
    Row(
        "api-request-submit",
        "POST",
        api("under_review", "submit/"),
        under_review(403, anonymous=401, applicant=409),
        note="under review",
    ),
    Row(
        "api-request-withdraw",
        "POST",
        api("draft", "withdraw/"),
        only("researcher1", 200, anonymous=401),
    ),
    Row(
        "api-request-resubmit",
        "POST",
        api("under_review", "resubmit/"),
        under_review(403, anonymous=401, applicant=409),
    ),
    Row(
        "api-request-endorse",
        "POST",
        api("awaiting_endorsement", "endorse/"),
        {"anonymous": 401, "official1": 200, "researcher1": 403, "*": 404},
    ),
    Row(
        "api-request-status",
        "GET",
        api("under_review", "status/"),
        under_review(200, anonymous=401),
    ),
    Row(
        "api-request-status",
        "GET",
        api("draft", "status/"),
        only("researcher1", 200, anonymous=401),
        note="draft",
    ),
    Row(
        "api-request-events",
        "GET",
        api("under_review", "events/"),
        under_review(200, anonymous=401),
    ),
    Row(
        "api-request-documents",
        "POST",
        api("draft", "documents/"),
        only("researcher1", 400, anonymous=401),
        body={},
        note="no file attached",
    ),
    Row(
        "api-request-document",
        "GET",
        lambda demo: f"/api/v1/requests/{ref('draft')(demo)}/documents/{_document(demo)}/",
        only("researcher1", 200, anonymous=401),
    ),
    # -- pages --------------------------------------------------------------------------------
    Row("access_requests:list", "GET", "/requests/", ANY_SIGNED_IN_PAGE),
    Row(
        "access_requests:new",
        "GET",
        "/requests/new/",
        {"anonymous": 302, "researcher1": 200, "researcher2": 200, "*": 403},
    ),
    Row(
        "access_requests:new",
        "POST",
        "/requests/new/",
        {"anonymous": 302, "researcher1": 302, "researcher2": 302, "*": 403},
        body={"title": "Matrix", "action": "save", "datasets": "DACD000005"},
        form=True,
        note="save a draft",
    ),
    Row(
        "access_requests:consent-check",
        "POST",
        "/requests/consent-check/",
        ANY_SIGNED_IN_PAGE,
        body={"datasets": "DACD000001", "purpose_hmb": "on"},
        form=True,
    ),
    Row(
        "access_requests:detail",
        "GET",
        page("draft"),
        only("researcher1", 200, anonymous=302),
        note="draft",
    ),
    Row(
        "access_requests:detail",
        "GET",
        page("under_review"),
        under_review(200, anonymous=302),
        note="under review",
    ),
    Row(
        "access_requests:tasks",
        "GET",
        page("draft", "tasks/"),
        only("researcher1", 200, anonymous=302),
        note="draft: the task list",
    ),
    Row(
        "access_requests:tasks",
        "GET",
        page("under_review", "tasks/"),
        under_review(403, anonymous=302, applicant=409),
        note="under review",
    ),
    Row(
        "access_requests:section",
        "GET",
        page("draft", "tasks/project/"),
        only("researcher1", 200, anonymous=302),
        note="draft: one section",
    ),
    Row(
        "access_requests:section",
        "POST",
        page("draft", "tasks/project/"),
        only("researcher1", 302, anonymous=302),
        body={"title": "Matrix title"},
        form=True,
        note="draft: saving one section",
    ),
    Row(
        "access_requests:check",
        "GET",
        page("draft", "check/"),
        only("researcher1", 200, anonymous=302),
        note="draft: check your answers",
    ),
    Row(
        "access_requests:edit",
        "GET",
        page("draft", "edit/"),
        only("researcher1", 200, anonymous=302),
        note="draft",
    ),
    Row(
        "access_requests:edit",
        "GET",
        page("under_review", "edit/"),
        under_review(403, anonymous=302, applicant=409),
        note="under review",
    ),
    Row(
        "access_requests:action",
        "POST",
        page("draft", "actions/withdraw/"),
        only("researcher1", 302, anonymous=302),
        form=True,
        note="withdraw a draft",
    ),
    Row(
        "access_requests:action",
        "POST",
        page("awaiting_endorsement", "actions/endorse/"),
        {"anonymous": 302, "official1": 302, "researcher1": 403, "*": 404},
        form=True,
        note="endorse",
    ),
    Row(
        "access_requests:document-upload",
        "POST",
        page("draft", "documents/"),
        only("researcher1", 400, anonymous=302),
        form=True,
        note="no file attached",
    ),
    # Ethics approvals (issue 18): everyone who sees the request reads them; only the
    # applicant files one (refused before any upload is read).
    Row(
        "access_requests:ethics-approval",
        "GET",
        page("under_review", "ethics-approval/"),
        under_review(200, anonymous=302),
    ),
    Row(
        "access_requests:ethics-approval",
        "POST",
        page("under_review", "ethics-approval/"),
        under_review(403, anonymous=302, applicant=400),
        form=True,
        note="no file attached",
    ),
    Row(
        "api-request-ethics-approvals",
        "GET",
        api("under_review", "ethics-approvals/"),
        under_review(200, anonymous=401),
    ),
    Row(
        "api-request-ethics-approvals",
        "POST",
        api("under_review", "ethics-approvals/"),
        under_review(403, anonymous=401, applicant=400),
        body={},
        form=True,
        note="no file attached",
    ),
    Row(
        "access_requests:document",
        "GET",
        lambda demo: f"/requests/{ref('draft')(demo)}/documents/{_document(demo)}/",
        only("researcher1", 200, anonymous=302),
    ),
    # -- a request spanning two committees (review_demo "mixed": DACD000009 of the demo
    # committee, DACD000008 of the second committee, rare-registry-dac, whose quorum of 1 is
    # met by member4's vote). None of the matrix roles sits on the second committee: chair1
    # cannot decide its dataset, nor members vote on it (403), whoever sees the request;
    # the superuser holds every committee's rights, so decides it.
    *MIXED_ROWS,
]
