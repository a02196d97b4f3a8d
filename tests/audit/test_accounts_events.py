"""Log-ins, failed log-ins, log-outs and API token creation and revocation are audited."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.audit_actions import AccountAudit
from accounts.services import api_token_create, api_token_revoke
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _last() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def test_a_log_in_is_audited_with_the_client_address_and_request_id(researcher1) -> None:
    client = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_REQUEST_ID="req-12345678")
    response = client.post("/accounts/login/", {"username": "researcher1", "password": "demo"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action=AccountAudit.USER_LOGIN).order_by("-seq").first()
    assert event is not None and event.actor_id == researcher1.pk
    assert (event.object_type, event.object_id) == ("user", str(researcher1.public_id))
    assert event.client_ip == "192.0.2.7" and event.request_id == "req-12345678"


def test_a_failed_log_in_is_audited_without_the_password(researcher1) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "researcher1", "password": "wrong!"})
    assert response.status_code == 200
    event = _last()
    assert event.action == AccountAudit.USER_LOGIN_FAILED
    assert event.actor is None and event.actor_label == "system:authentication"
    assert event.data == {"username": "researcher1"}
    assert event.object_id == str(researcher1.public_id)
    assert "wrong!" not in str(event.data)


def test_a_failed_log_in_for_an_unknown_name_points_at_no_object() -> None:
    Client().post("/accounts/login/", {"username": "nobody-here", "password": "x"})
    event = _last()
    assert event.action == AccountAudit.USER_LOGIN_FAILED
    assert (event.object_type, event.object_id) == ("", "")


def test_a_log_out_is_audited(researcher1) -> None:
    client = Client()
    client.force_login(researcher1)
    client.post("/accounts/logout/")
    event = _last()
    assert event.action == AccountAudit.USER_LOGOUT and event.actor_id == researcher1.pk


def test_creating_and_revoking_an_api_token_are_audited(researcher1) -> None:
    token, raw = api_token_create(user=researcher1, name="laptop", days=3, actor=researcher1)
    created = _last()
    assert created.action == AccountAudit.API_TOKEN_CREATED
    assert created.data["name"] == "laptop" and created.data["prefix"] == token.prefix
    assert raw not in str(created.data) and token.token_hash not in str(created.data)
    api_token_revoke(token=token, actor=researcher1)
    revoked = _last()
    assert revoked.action == AccountAudit.API_TOKEN_REVOKED
    assert (revoked.object_type, revoked.object_id) == ("api_token", str(token.pk))
    assert revoked.seq == created.seq + 1
