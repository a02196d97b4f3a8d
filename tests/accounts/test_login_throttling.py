"""Sign-in is throttled by django-axes, and every attempt is audited."""

import pytest

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_repeated_failures_lock_the_account_from_that_address(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "researcher1", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "researcher1", "password": "demo"})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert (
        AuditEvent.objects.filter(action="user.login_failed", data__username="researcher1").count()
        >= 3
    )


def test_a_successful_sign_in_is_audited(client):
    response = client.post("/accounts/login/", {"username": "member1", "password": "demo"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="user.login").order_by("-seq").first()
    assert event.actor.username == "member1" and event.client_ip == "127.0.0.1"
