"""Matrix rows for findings (issue 21): the committee publishes a grant's findings on the
public register, or withdraws them, from the grant page or the API.

The demo (agreements.demo._seed_findings) holds findings on the suspended grant of
researcher1's "Ancestry-aware polygenic scores", published by chair1. Only the chair and
the steward of the grant's committee (and the demo admin, a superuser who acts as a chair
would) may publish or withdraw; the holder, the official and the committee's other members
see the grant but get 403; everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from tests.security.matrix import Row
from tests.security.matrix_rows.agreements import (
    SUSPENDED_GRANT,
    UNKNOWN_UUID,
    committee,
    expect,
)

# Those who see the grant but may not publish its findings: a 403.
SEERS_WITHOUT_SAY = {"researcher1": 403, "official1": 403, **committee(403)}


def _deciders(status: int) -> dict[str, int]:
    return {"chair1": status, "steward1": status, "admin": status}


def _findings(demo: Any) -> str:
    from agreements.models import Findings

    found = Findings.objects.filter(
        grant__reference=SUSPENDED_GRANT(demo), status="published"
    ).first()
    assert found is not None, "the demo has no published findings"
    return str(found.public_id)


def _page(action: str, findings: Any = _findings) -> Any:
    return lambda demo: (
        f"/grants/{SUSPENDED_GRANT(demo)}/findings/"
        f"{findings(demo) if callable(findings) else findings}/{action}/"
    )


def _api(demo: Any) -> str:
    return f"/api/v1/grants/{SUSPENDED_GRANT(demo)}/findings/{_findings(demo)}/publication/"


ROWS = [
    Row(
        "agreements:findings-action",
        "POST",
        _page("unpublish"),
        expect(302, 404, SEERS_WITHOUT_SAY, **_deciders(302)),
        form=True,
        note="withdraw published findings",
    ),
    Row(
        "agreements:findings-action",
        "POST",
        _page("publish"),
        expect(302, 404, SEERS_WITHOUT_SAY, **_deciders(409)),
        form=True,
        note="publish what is published already",
    ),
    Row(
        "agreements:findings-action",
        "POST",
        _page("publish", UNKNOWN_UUID),
        expect(302, 404),
        form=True,
        note="unknown findings",
    ),
    Row(
        "agreements:findings-action",
        "POST",
        _page("shout"),
        expect(302, 404),
        form=True,
        note="unknown action",
    ),
    Row(
        "agreements:findings-action",
        "GET",
        _page("publish"),
        expect(302, 405),
        note="only POST",
    ),
    Row(
        "api-grant-findings-publication",
        "DELETE",
        _api,
        expect(401, 404, SEERS_WITHOUT_SAY, **_deciders(200)),
    ),
    Row(
        "api-grant-findings-publication",
        "POST",
        _api,
        expect(401, 404, SEERS_WITHOUT_SAY, **_deciders(409)),
        note="published already",
    ),
]
