"""Issue 12, item 6: answers that carry credentials or personal data are never stored by a
browser or a shared cache; public pages stay cacheable."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_the_passport_is_never_stored(api_client_for, researcher1):
    response = api_client_for(researcher1).get("/api/v1/me/passport/")
    assert response.status_code == 200
    assert _no_store(response)


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/requests/", "/api/v1/grants/"])
def test_every_api_answer_is_never_stored(api_client_for, researcher1, path):
    assert _no_store(api_client_for(researcher1).get(path))


def test_api_refusals_are_never_stored_either(anonymous_api):
    assert _no_store(anonymous_api.get("/api/v1/me/"))


@pytest.mark.parametrize("path", ["/", "/requests/", "/accounts/tokens/", "/grants/"])
def test_pages_of_a_signed_in_person_are_never_stored(client, researcher1, path):
    client.force_login(researcher1)
    response = client.get(path)
    assert response.status_code == 200
    assert _no_store(response)


@pytest.mark.parametrize("path", ["/", "/register/", "/stats/", "/.well-known/jwks.json"])
def test_public_pages_stay_cacheable_for_visitors(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
