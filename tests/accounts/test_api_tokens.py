"""Personal API tokens: stored hashed, expiring, revocable, sent as a Bearer header."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from audit.models import AuditEvent
from dac_portal.errors import Conflict, ValidationError

pytestmark = pytest.mark.django_db


def test_a_new_token_is_stored_only_as_its_sha256(researcher1):
    token, raw = api_token_create(user=researcher1, name="laptop", days=30, actor=researcher1)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("dac_") and len(raw) > 40
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.token_hash, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)


def test_creating_a_token_is_audited_without_the_secret(researcher1):
    token, raw = api_token_create(user=researcher1, name="laptop", days=30, actor=researcher1)
    event = AuditEvent.objects.get(action="api_token.created", object_id=str(token.pk))
    assert event.actor == researcher1
    assert event.data["name"] == "laptop"
    assert raw not in str(event.data)


def test_the_bearer_header_authenticates_the_token_owner(researcher1, anonymous_api):
    _token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = anonymous_api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "researcher1"
    assert response.json()["portal_roles"] == ["researcher"]


def test_a_request_records_when_the_token_was_last_used(researcher1, anonymous_api):
    token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    assert token.last_used_at is None
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    anonymous_api.get("/api/v1/ping/")
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer dac_not-a-real-token",
        "Bearer \u00e9\u00e9",
        "Token abc",
        "Basic Zm9vOmJhcg==",
    ],
)
def test_a_wrong_or_malformed_header_is_refused_as_json_401(anonymous_api, header):
    anonymous_api.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous_api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_an_expired_token_no_longer_authenticates(researcher1, anonymous_api):
    _token, raw = api_token_create(user=researcher1, name="short", days=1, actor=researcher1)
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert anonymous_api.get("/api/v1/ping/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert anonymous_api.get("/api/v1/ping/").status_code == 401


def test_a_revoked_token_stops_working_at_once(researcher1, anonymous_api):
    token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert anonymous_api.get("/api/v1/ping/").status_code == 200
    api_token_revoke(token=token, actor=researcher1)
    assert anonymous_api.get("/api/v1/ping/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoked", object_id=str(token.pk)).exists()


def test_revoking_twice_is_a_conflict_that_changes_nothing(researcher1):
    token, _raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    api_token_revoke(token=token, actor=researcher1)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        api_token_revoke(token=token, actor=researcher1)
    assert AuditEvent.objects.count() == events


def test_a_deactivated_users_token_no_longer_authenticates(researcher1, anonymous_api):
    _token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    researcher1.is_active = False
    researcher1.save(update_fields=["is_active"])
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert anonymous_api.get("/api/v1/ping/").status_code == 401


@pytest.mark.parametrize("days", [0, -1, 10_000, True])
def test_a_lifetime_out_of_range_is_refused(researcher1, days):
    with pytest.raises(ValidationError):
        api_token_create(user=researcher1, name="x", days=days, actor=researcher1)
    assert not ApiToken.objects.filter(user=researcher1).exists()


def test_a_token_needs_a_name(researcher1):
    with pytest.raises(ValidationError):
        api_token_create(user=researcher1, name="   ", days=1, actor=researcher1)


def test_the_command_prints_the_token_alone_on_its_last_line(researcher1, anonymous_api):
    out = io.StringIO()
    call_command(
        "create_api_token",
        "researcher1",
        "--name",
        "pipeline",
        "--days",
        "7",
        stdout=out,
        stderr=io.StringIO(),
    )
    raw = out.getvalue().strip().splitlines()[-1]
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert anonymous_api.get("/api/v1/me/").json()["username"] == "researcher1"
    assert (
        ApiToken.objects.get(user=researcher1, name="pipeline").expires_at.date()
        == (timezone.now() + timedelta(days=7)).date()
    )


def test_there_is_no_password_for_token_endpoint(anonymous_api):
    for path in ["/api/v1/token/", "/api/v1/auth/token/", "/api/v1/tokens/", "/api-token-auth/"]:
        response = anonymous_api.post(
            path, {"username": "researcher1", "password": "demo"}, format="json"
        )
        assert response.status_code in {401, 404}


class TestTokenPage:
    def test_a_user_creates_a_token_and_sees_it_once(self, client, researcher1):
        client.force_login(researcher1)
        response = client.post("/accounts/tokens/", {"name": "notebook", "days": "30"})
        assert response.status_code == 200
        secret = response.context["new_secret"]
        assert secret.startswith("dac_")
        assert secret in response.content.decode()
        again = client.get("/accounts/tokens/")
        assert secret not in again.content.decode()
        assert "notebook" in again.content.decode()

    def test_a_user_revokes_their_token_from_the_page(self, client, researcher1):
        token, _raw = api_token_create(user=researcher1, name="old", days=1, actor=researcher1)
        client.force_login(researcher1)
        response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None

    def test_nobody_can_revoke_someone_elses_token(self, client, researcher1, researcher2):
        token, _raw = api_token_create(user=researcher1, name="mine", days=1, actor=researcher1)
        client.force_login(researcher2)
        assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_an_invalid_form_answers_400_and_creates_nothing(self, client, researcher1):
        client.force_login(researcher1)
        response = client.post("/accounts/tokens/", {"name": "", "days": "abc"})
        assert response.status_code == 400
        assert not ApiToken.objects.filter(user=researcher1).exists()


def test_a_service_account_token_is_refused_outside_the_entitlements_endpoint(anonymous_api):
    from accounts.services import user_create

    host = user_create(
        username="datahost-test", email="", password=None, is_service_account=True, actor=None
    )
    _token, raw = api_token_create(user=host, name="host", days=1, actor=host)
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = anonymous_api.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Service accounts may only read entitlements."
