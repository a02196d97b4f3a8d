"""Hostile strings in URLs and bodies (NUL characters, very long or odd references) are
answered 400 or 404, never 500, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

ODD_REFERENCES = ["%00", "DAR-2026-00000%00", "x" * 300, "%F0%9F%92%A9", "DAR-2026-000001'--"]


@pytest.mark.parametrize("reference", ODD_REFERENCES)
@pytest.mark.parametrize("suffix", ["", "status/", "events/", "documents/%00/", "edit/"])
def test_odd_references_are_404(researcher1, api_client_for, client, reference, suffix):
    api = api_client_for(researcher1)
    client.force_login(researcher1)
    if suffix != "edit/":
        assert api.get(f"/api/v1/requests/{reference}/{suffix}").status_code == 404
    page = f"/requests/{reference}/{suffix}"
    assert client.get(page).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"datasets": ["DACD\x00000001"]},
        {"datasets": ["DACD000001"], "collaborators": [{"username": "a\x00b"}]},
        {"datasets": ["DACD000001"], "collaborators": [{"name": "A\x00", "institution": "B"}]},
        {"datasets": ["DACD000001"], "purpose": {"diseases": ["DOID:\x00162"]}},
        {"datasets": ["DACD000001"], "title": "nul \x00 here"},
    ],
)
def test_nul_characters_in_a_body_are_400(researcher1, api_client_for, body):
    response = api_client_for(researcher1).post(
        "/api/v1/requests/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("reason", ["nul \x00", 5, None, ["x"], "x" * 2001])
def test_a_bad_withdrawal_reason_is_400_and_withdraws_nothing(
    researcher1, api_client_for, make_dataset, reason
):
    from access_requests import services

    draft = services.access_request_create(
        applicant=researcher1, data={"datasets": [make_dataset().accession]}, actor=researcher1
    )
    response = api_client_for(researcher1).post(
        f"/api/v1/requests/{draft.reference}/withdraw/",
        data=json.dumps({"reason": reason}),
        content_type="application/json",
    )
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == "draft"
