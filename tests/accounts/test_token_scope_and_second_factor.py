"""Issue 12, item 5: a privileged person's API token is worth no more than their browser
session (no second factor, no API), and a token can be limited to reading."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from accounts.services import api_token_create
from audit.models import AuditEvent
from dac_portal.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def _bearer(client, raw):  # type: ignore[no-untyped-def]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


class TestPrivilegedTokensNeedASecondFactor:
    @pytest.mark.parametrize("username", ["chair1", "steward1", "admin", "auditor1"])
    def test_an_existing_token_of_a_person_without_a_second_factor_is_refused(
        self, settings, demo_user, anonymous_api, username
    ):
        # Made while two-factor was off (or before the person became privileged): the
        # situation the review found in production.
        user = demo_user(username)
        _token, raw = api_token_create(user=user, name="old", days=1, actor=user)
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        for path in ["/api/v1/audit/events/", "/api/v1/me/", "/api/v1/requests/"]:
            response = _bearer(anonymous_api, raw).get(path)
            assert response.status_code == 403, path
            assert response.json()["error"]["code"] == "two_factor_required"
            assert set(response.json()["error"]) == {"code", "message", "details"}

    def test_the_same_token_works_once_a_second_factor_is_confirmed(
        self, settings, auditor1, anonymous_api
    ):
        _token, raw = api_token_create(user=auditor1, name="old", days=1, actor=auditor1)
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        TOTPDevice.objects.create(user=auditor1, name="app", confirmed=True)
        assert _bearer(anonymous_api, raw).get("/api/v1/audit/events/").status_code == 200

    def test_an_unconfirmed_device_is_not_a_second_factor(self, settings, auditor1, anonymous_api):
        _token, raw = api_token_create(user=auditor1, name="old", days=1, actor=auditor1)
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        TOTPDevice.objects.create(user=auditor1, name="app", confirmed=False)
        assert _bearer(anonymous_api, raw).get("/api/v1/audit/events/").status_code == 403

    def test_other_peoples_tokens_are_not_affected(self, settings, researcher1, anonymous_api):
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        _token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
        assert _bearer(anonymous_api, raw).get("/api/v1/me/").status_code == 200

    def test_creating_a_token_without_a_confirmed_second_factor_is_refused(self, settings, chair1):
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        events = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied) as refused:
            api_token_create(user=chair1, name="x", days=1, actor=chair1)
        assert refused.value.code == "two_factor_required"
        assert not ApiToken.objects.filter(user=chair1).exists()
        assert AuditEvent.objects.count() == events
        TOTPDevice.objects.create(user=chair1, name="app", confirmed=True)
        token, _raw = api_token_create(user=chair1, name="x", days=1, actor=chair1)
        assert token.pk

    def test_the_command_refuses_too(self, settings, chair1):
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        with pytest.raises(CommandError, match="second factor"):
            call_command("create_api_token", "chair1", stdout=io.StringIO(), stderr=io.StringIO())
        assert not ApiToken.objects.filter(user=chair1).exists()


class TestReadOnlyTokens:
    def test_a_read_only_token_reads(self, researcher1, anonymous_api):
        _token, raw = api_token_create(
            user=researcher1, name="ro", days=1, read_only=True, actor=researcher1
        )
        assert _bearer(anonymous_api, raw).get("/api/v1/requests/").status_code == 200

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_a_read_only_token_cannot_change_anything(self, researcher1, anonymous_api, method):
        _token, raw = api_token_create(
            user=researcher1, name="ro", days=1, read_only=True, actor=researcher1
        )
        response = getattr(_bearer(anonymous_api, raw), method)(
            "/api/v1/requests/", {"title": "x", "datasets": []}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "read_only_token"

    def test_a_full_token_still_writes(self, researcher1, anonymous_api):
        _token, raw = api_token_create(user=researcher1, name="rw", days=1, actor=researcher1)
        response = _bearer(anonymous_api, raw).post(
            "/api/v1/requests/", {"title": "x", "datasets": []}, format="json"
        )
        assert response.status_code != 403

    def test_the_scope_is_in_the_audit_event(self, researcher1):
        token, _raw = api_token_create(
            user=researcher1, name="ro", days=1, read_only=True, actor=researcher1
        )
        event = AuditEvent.objects.get(action="api_token.created", object_id=str(token.pk))
        assert event.data["scope"] == "read"
        token2, _raw = api_token_create(user=researcher1, name="rw", days=1, actor=researcher1)
        event = AuditEvent.objects.get(action="api_token.created", object_id=str(token2.pk))
        assert event.data["scope"] == "read_write"

    def test_the_command_takes_read_only(self, researcher1):
        call_command(
            "create_api_token",
            "researcher1",
            "--name",
            "ro",
            "--read-only",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        assert ApiToken.objects.get(user=researcher1, name="ro").read_only

    def test_the_page_takes_read_only(self, client, researcher1):
        client.force_login(researcher1)
        response = client.post("/accounts/tokens/", {"name": "ro", "days": "7", "read_only": "on"})
        assert response.status_code == 200
        assert ApiToken.objects.get(user=researcher1, name="ro").read_only
        client.post("/accounts/tokens/", {"name": "rw", "days": "7"})
        assert not ApiToken.objects.get(user=researcher1, name="rw").read_only


def test_checking_a_token_against_the_rule_costs_no_extra_query(
    settings, researcher1, anonymous_api
):
    """The status endpoint is benchmarked by its query count: the second-factor rule rides
    on the token's own query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _token, raw = api_token_create(user=researcher1, name="ci", days=1, actor=researcher1)
    _bearer(anonymous_api, raw).get("/api/v1/ping/")  # last_used_at is written once
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    with CaptureQueriesContext(connection) as off:
        assert anonymous_api.get("/api/v1/ping/").status_code == 200
    settings.OTP_REQUIRED_FOR_PRIVILEGED = True
    with CaptureQueriesContext(connection) as on:
        assert anonymous_api.get("/api/v1/ping/").status_code == 200
    assert len(on) == len(off)


def test_the_token_query_names_the_tables_the_models_use():
    from accounts.two_factor import owner_annotation_tables

    assert all(name == table for name, table in owner_annotation_tables().items())
