"""The REST API of agreements and grants (docs/api.md)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import user_create
from agreements.models import Agreement, Grant

pytestmark = pytest.mark.django_db


def test_the_applicant_reads_the_agreement_and_signs_it(approved, researcher1, api_client_for):
    api = api_client_for(researcher1)
    url = f"/api/v1/requests/{approved.reference}/agreement/"
    body = api.get(url).json()
    assert body["reference"] == approved.reference
    assert body["signed_at"] is None and body["countersignature_required"] is True
    assert "<script" not in body["html"]

    wrong = api.post(url + "sign/", {"accept": True, "text_sha256": "f" * 64}, format="json")
    assert wrong.status_code == 409
    assert wrong.json()["error"]["code"] == "text_mismatch"

    bad = api.post(url + "sign/", {"accept": "maybe"}, format="json")
    assert bad.status_code == 400

    ok = api.post(
        url + "sign/", {"accept": True, "text_sha256": body["text_sha256"]}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["signed_by"]["username"] == "researcher1"


def test_the_official_countersigns_and_the_grant_is_listed_active(
    approved, researcher1, official1, api_client_for
):
    agreement = Agreement.objects.get(access_request=approved)
    api_client_for(researcher1).post(
        f"/api/v1/requests/{approved.reference}/agreement/sign/",
        {"accept": True, "text_sha256": agreement.text_sha256},
        format="json",
    )
    response = api_client_for(official1).post(
        f"/api/v1/requests/{approved.reference}/agreement/countersign/", {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["complete"] is True
    grant = Grant.objects.get(access_request=approved)
    listed = api_client_for(researcher1).get("/api/v1/grants/?status=active").json()
    row = next(r for r in listed["results"] if r["id"] == grant.reference)
    assert row["reference"] == grant.reference
    assert row["dataset"] == "DACD000007"
    assert row["status"] == "active"
    assert row["start"] and row["end"]


def test_a_grant_of_someone_else_is_not_found(active_grant, researcher2, api_client_for):
    response = api_client_for(researcher2).get(f"/api/v1/grants/{active_grant.reference}/")
    assert response.status_code == 404


def test_revoke_needs_a_reason_and_the_chair(active_grant, chair1, researcher1, api_client_for):
    url = f"/api/v1/grants/{active_grant.reference}/revoke/"
    assert api_client_for(chair1).post(url, {}, format="json").status_code == 400
    assert api_client_for(researcher1).post(url, {"reason": "x"}, format="json").status_code == 403
    response = api_client_for(chair1).post(url, {"reason": "Breach."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    again = api_client_for(chair1).post(url, {"reason": "Again."}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["details"]["status"] == "revoked"


def test_the_holder_asks_for_renewal_and_the_chair_decides(
    chair_decides_renewals, active_grant, researcher1, chair1, api_client_for
):
    url = f"/api/v1/grants/{active_grant.reference}/"
    created = api_client_for(researcher1).post(
        url + "renew/", {"justification": "More"}, format="json"
    )
    assert created.status_code == 201
    decided = api_client_for(chair1).post(
        url + "renewal-decision/", {"decision": "approved"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"


def test_entitlements_are_for_data_hosts_and_admins_only(
    active_grant, researcher1, admin, api_client_for
):
    host = user_create(
        username="datahost",
        email="host@example.org",
        password=None,
        is_service_account=True,
        actor=admin,
    )
    url = f"/api/v1/entitlements/?user={researcher1.public_id}&dataset=DACD000007"
    body = api_client_for(host).get(url).json()
    assert active_grant.reference in [r["grant"] for r in body["results"]]
    row = next(r for r in body["results"] if r["grant"] == active_grant.reference)
    assert str(researcher1.public_id) in row["users"]
    assert api_client_for(admin).get(url).status_code == 200
    assert api_client_for(researcher1).get(url).status_code == 403
    # A service account may read nothing else.
    assert api_client_for(host).get("/api/v1/grants/").status_code == 403
    assert api_client_for(host).get("/api/v1/me/passport/").status_code == 403


def test_a_revoked_grant_leaves_the_entitlements_at_once(
    active_grant, chair1, admin, api_client_for
):
    url = "/api/v1/entitlements/?dataset=DACD000007"
    before = [r["grant"] for r in api_client_for(admin).get(url).json()["results"]]
    assert active_grant.reference in before
    api_client_for(chair1).post(
        f"/api/v1/grants/{active_grant.reference}/revoke/", {"reason": "Breach."}, format="json"
    )
    after = [r["grant"] for r in api_client_for(admin).get(url).json()["results"]]
    assert active_grant.reference not in after


def test_unknown_users_in_entitlements_give_an_empty_list(admin, api_client_for):
    body = api_client_for(admin).get("/api/v1/entitlements/?user=nobody-at-all").json()
    assert body["results"] == []


def test_the_grant_list_query_count_does_not_grow_with_the_page(
    active_grant, admin, api_client_for
):
    api = api_client_for(admin)
    api.get("/api/v1/grants/?page_size=1")
    with CaptureQueriesContext(connection) as small:
        api.get("/api/v1/grants/?page_size=1")
    with CaptureQueriesContext(connection) as large:
        api.get("/api/v1/grants/?page_size=100")
    assert len(small) == len(large)


def test_sanctions_api(researcher1, admin, api_client_for):
    api = api_client_for(admin)
    created = api.post(
        "/api/v1/sanctions/", {"user": "researcher1", "reason": "Breach."}, format="json"
    )
    assert created.status_code == 201
    sanction_id = created.json()["id"]
    assert api.post("/api/v1/sanctions/", {"reason": "x"}, format="json").status_code == 400
    lifted = api.post(f"/api/v1/sanctions/{sanction_id}/lift/", {"reason": "Done"}, format="json")
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert (
        api.post("/api/v1/sanctions/nope/lift/", {"reason": "x"}, format="json").status_code == 404
    )


JUNK = [
    None,
    [],
    "text",
    12,
    {"reason": ["x"]},
    {"reason": {"a": 1}},
    {"accept": None},
    {"text_sha256": 5, "accept": True},
    {"decision": "maybe"},
    {"ends_at": "soon"},
    {"user": ["a"], "institution": 5},
    {"confirm_deletion": "yes"},
    {"summary": "x" * 20000},
]


def test_junk_input_never_answers_5xx_and_changes_nothing(
    active_grant, approved, chair1, researcher1, admin, api_client_for
):
    grant = active_grant.reference
    posts = [
        f"/api/v1/grants/{grant}/suspend/",
        f"/api/v1/grants/{grant}/revoke/",
        f"/api/v1/grants/{grant}/reinstate/",
        f"/api/v1/grants/{grant}/renew/",
        f"/api/v1/grants/{grant}/renewal-decision/",
        f"/api/v1/grants/{grant}/progress-reports/",
        f"/api/v1/grants/{grant}/close-out/",
        f"/api/v1/grants/{grant}/withdrawal-notices/not-a-uuid/acknowledge/",
        f"/api/v1/requests/{approved.reference}/agreement/sign/",
        f"/api/v1/requests/{approved.reference}/agreement/countersign/",
        "/api/v1/sanctions/",
        "/api/v1/sanctions/not-a-uuid/lift/",
    ]
    for user in (chair1, researcher1, admin):
        api = api_client_for(user)
        for url in posts:
            for body in JUNK:
                response = api.post(url, body, format="json")
                assert response.status_code < 500, (user, url, body, response.content[:200])
    for url in (
        "/api/v1/grants/?status=nonsense&dataset=%00&page=-1&page_size=abc",
        "/api/v1/grants/GRT-%E2%98%83/",
        "/api/v1/grants/GRT-%00/",
        "/api/v1/requests/DAR-%00/agreement/",
        "/api/v1/committees/%00/agreement-template/",
        "/api/v1/entitlements/?user=%00&dataset=" + "x" * 500,
    ):
        assert api_client_for(admin).get(url).status_code < 500
    active_grant.refresh_from_db()
    assert active_grant.status == "active"


def test_stewards_version_the_template_and_unknown_placeholders_are_refused(
    steward1, researcher1, api_client_for
):
    url = "/api/v1/committees/genomics-dac/agreement-template/"
    current = api_client_for(researcher1).get(url).json()
    created = api_client_for(steward1).post(
        url, {"title": "DUA v-next", "body": "For {{ reference }}: {{ datasets }}"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["version"] == current["version"] + 1
    refused = api_client_for(steward1).post(
        url, {"title": "Bad", "body": "{{ secret_key }}"}, format="json"
    )
    assert refused.status_code == 400
    assert (
        api_client_for(researcher1)
        .post(url, {"title": "x", "body": "y"}, format="json")
        .status_code
        == 403
    )


def test_the_chair_sets_the_agreement_policy(chair1, steward1, api_client_for):
    url = "/api/v1/committees/genomics-dac/agreement-policy/"
    assert (
        api_client_for(steward1)
        .patch(url, {"countersignature_required": False}, format="json")
        .status_code
        == 403
    )
    bad = api_client_for(chair1).patch(url, {"withdrawal_deadline_days": 0}, format="json")
    assert bad.status_code == 400
    ok = api_client_for(chair1).patch(
        url, {"countersignature_required": False, "withdrawal_deadline_days": 14}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["countersignature_required"] is False
    assert api_client_for(steward1).get(url).json()["withdrawal_deadline_days"] == 14
