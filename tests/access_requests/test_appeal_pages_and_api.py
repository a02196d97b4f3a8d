"""The appeal page and REST (issue 18): the applicant files from
`/requests/<ref>/appeal/`, the panel votes and decides there; the same through
`/api/v1/requests/<ref>/appeal/`. Bad input is a 400, a refused act a 403/409, nothing
changed; the applicant never reads the panel's votes."""

from __future__ import annotations

import json

import pytest

from access_requests.appeals import services
from access_requests.models import Appeal, AppealVote
from tests.access_requests.conftest import decide, last_event, vote

pytestmark = pytest.mark.django_db

STATEMENT = "The purpose is public health research; please look again."


@pytest.fixture
def rejected(reviewing, member1, member2, chair1):
    request = reviewing()
    vote(request, member1, "reject")
    vote(request, member2, "reject")
    decide(request, chair1, "rejected", reason="The purpose is not clear.")
    request.refresh_from_db()
    return request


def page(reference: str, suffix: str = "") -> str:
    return f"/requests/{reference}/appeal/{suffix}"


def api(client, reference, suffix, body):
    return client.post(
        f"/api/v1/requests/{reference}/appeal/{suffix}",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_the_applicant_sees_the_window_and_files_an_appeal_from_the_page(
    client, rejected, researcher2
):
    client.force_login(researcher2)
    shown = client.get(page(rejected.reference))
    assert shown.status_code == 200 and b"You may appeal until" in shown.content
    detail = client.get(f"/requests/{rejected.reference}/")
    assert page(rejected.reference).encode() in detail.content
    empty = client.post(page(rejected.reference), {"statement": ""})
    assert empty.status_code == 400 and not Appeal.objects.filter(access_request=rejected).exists()
    filed = client.post(page(rejected.reference), {"statement": STATEMENT})
    assert filed.status_code == 302
    assert Appeal.objects.get(access_request=rejected).statement == STATEMENT
    again = client.post(page(rejected.reference), {"statement": STATEMENT})
    assert again.status_code == 409 and Appeal.objects.filter(access_request=rejected).count() == 1


def test_the_panel_votes_and_decides_on_the_page_and_the_applicant_reads_the_reasons(
    client, rejected, researcher2, member3, lay1, member1
):
    services.appeal_file(access_request=rejected, statement=STATEMENT, actor=researcher2)
    client.force_login(member1)
    shown = client.get(page(rejected.reference))
    assert b"you take no part in its appeal" in shown.content
    refused = client.post(page(rejected.reference, "vote/"), {"vote": "uphold", "rationale": "x"})
    assert (
        refused.status_code == 403
        and not AppealVote.objects.filter(appeal__access_request=rejected).exists()
    )

    for member in (member3, lay1):
        client.force_login(member)
        assert b'name="vote"' in client.get(page(rejected.reference)).content
        bad = client.post(page(rejected.reference, "vote/"), {"vote": "maybe", "rationale": "x"})
        assert bad.status_code == 400
        voted = client.post(
            page(rejected.reference, "vote/"),
            {"vote": "uphold", "rationale": f"{member.username} upholds"},
        )
        assert voted.status_code == 302
    against = client.post(
        page(rejected.reference, "decision/"), {"outcome": "overturned", "reason": "Yes."}
    )
    assert against.status_code == 409
    decided = client.post(
        page(rejected.reference, "decision/"),
        {"outcome": "upheld", "reason": "The purpose is still unclear."},
    )
    assert decided.status_code == 302
    assert Appeal.objects.get(access_request=rejected).status == "upheld"

    client.force_login(researcher2)
    seen = client.get(page(rejected.reference)).content
    assert b"The purpose is still unclear." in seen
    assert b"lay1 upholds" not in seen and b"member3 upholds" not in seen


def test_people_who_cannot_see_the_request_get_404(client, rejected, researcher1):
    client.force_login(researcher1)
    assert client.get(page(rejected.reference)).status_code == 404
    assert client.post(page(rejected.reference), {"statement": STATEMENT}).status_code == 404


def test_the_api_files_votes_and_decides(api_client_for, rejected, researcher2, member3, lay1):
    applicant = api_client_for(researcher2)
    state = applicant.get(f"/api/v1/requests/{rejected.reference}/appeal/").json()
    assert state["appeal"] is None and state["closes_on"]
    assert api(applicant, rejected.reference, "", {"statement": 7}).status_code == 400
    created = api(applicant, rejected.reference, "", {"statement": STATEMENT})
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending" and "tally" not in created.json()
    assert api(applicant, rejected.reference, "", {"statement": STATEMENT}).status_code == 409
    assert (
        api(applicant, rejected.reference, "votes/", {"vote": "uphold", "rationale": "x"})
    ).status_code == 403

    for member in (member3, lay1):
        cast = api(
            api_client_for(member),
            rejected.reference,
            "votes/",
            {"vote": "overturn", "rationale": "Public health is allowed."},
        )
        assert cast.status_code == 200, cast.json()
        assert cast.json()["my_vote"] == "overturn"
    assert cast.json()["tally"]["quorum_met"] is True
    bad = api(api_client_for(lay1), rejected.reference, "decision/", {"outcome": "upheld"})
    assert bad.status_code == 400
    decided = api(
        api_client_for(lay1),
        rejected.reference,
        "decision/",
        {"outcome": "overturned", "reason": "Public health research is what consent allows."},
    )
    assert decided.status_code == 200, decided.json()
    assert decided.json()["status"] == "overturned"
    rejected.refresh_from_db()
    assert rejected.status == "approved"
    assert last_event("access_request.appeal_decided", rejected.reference).actor == lay1
    assert (
        applicant.get(f"/api/v1/requests/{rejected.reference}/appeal/")
        .json()["appeal"]["reason"]
        .startswith("Public health")
    )
