"""Matrix rows for appeals (issue 18) on the demo's appealed request: researcher1's
rejected "Admixture mapping of hypertension" (access_requests/appeals/demo.py), appealed,
heard by lay1 alone (member1 and member2 voted and chair1 decided: they took part;
member3 is kept out by a conflict of interest). Everyone who sees the request sees the
appeal page; the applicant's empty statement is a 400; every vote or decision from the
matrix's roles is a 403 (none of them sits on the panel); anyone else 404."""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row
from tests.security.matrix_rows.access_requests import REVIEW_VIEWERS


def _appeal(suffix: str = "", *, api: bool = False):  # type: ignore[no-untyped-def]
    def path(demo: Any) -> str:
        from access_requests.review.demo import find

        found = find("rejected")
        assert found is not None, "demo request 'rejected' missing"
        prefix = "/api/v1" if api else ""
        return f"{prefix}/requests/{found.reference}/appeal/{suffix}"

    return path


def viewers(status: int, *, anonymous: int, **by_role: int) -> dict[str, int]:
    expect = {"anonymous": anonymous, "*": 404, **dict.fromkeys(REVIEW_VIEWERS, status)}
    expect.update(by_role)
    return expect


ROWS = [
    Row("access_requests:appeal", "GET", _appeal(), viewers(200, anonymous=302)),
    Row(
        "access_requests:appeal",
        "POST",
        _appeal(),
        viewers(403, anonymous=302, researcher1=400),
        body={"statement": ""},
        form=True,
        note="empty statement",
    ),
    Row(
        "access_requests:appeal-vote",
        "POST",
        _appeal("vote/"),
        viewers(403, anonymous=302),
        body={"vote": "maybe"},
        form=True,
        note="no one here sits on the panel",
    ),
    Row(
        "access_requests:appeal-decision",
        "POST",
        _appeal("decision/"),
        viewers(403, anonymous=302),
        body={"outcome": "upheld"},
        form=True,
        note="no one here sits on the panel",
    ),
    Row("api-request-appeal", "GET", _appeal(api=True), viewers(200, anonymous=401)),
    Row(
        "api-request-appeal",
        "POST",
        _appeal(api=True),
        viewers(403, anonymous=401, researcher1=400),
        body={},
        note="no statement",
    ),
    Row(
        "api-request-appeal-votes",
        "POST",
        _appeal("votes/", api=True),
        viewers(403, anonymous=401),
        body={"vote": "uphold", "rationale": "x"},
    ),
    Row(
        "api-request-appeal-decision",
        "POST",
        _appeal("decision/", api=True),
        viewers(403, anonymous=401),
        body={"outcome": "upheld", "reason": "x"},
    ),
]
