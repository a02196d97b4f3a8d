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


# Issue 12, item 6: spraying one account's password from many addresses is limited too.


def _fail_from(client, address: str, username: str = "researcher1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address
    )


def test_failures_for_one_username_from_many_addresses_lock_it(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 6
    for n in range(5):
        assert _fail_from(client, f"10.0.0.{n + 1}").status_code == 200
    # The sixth failure, from a sixth address, reaches the per-username limit.
    assert _fail_from(client, "10.0.0.6").status_code == 429
    locked = client.post(
        "/accounts/login/",
        {"username": "researcher1", "password": "demo"},
        REMOTE_ADDR="10.0.9.9",
    )
    assert locked.status_code == 429


def test_below_the_per_username_limit_other_addresses_still_sign_in(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 6
    for n in range(5):
        _fail_from(client, f"10.0.0.{n + 1}")
    ok = client.post(
        "/accounts/login/",
        {"username": "researcher1", "password": "demo"},
        REMOTE_ADDR="10.0.9.9",
    )
    assert ok.status_code == 302


def test_one_address_is_still_locked_at_the_lower_per_address_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 6
    for _ in range(3):
        _fail_from(client, "10.0.0.1")
    locked = client.post(
        "/accounts/login/", {"username": "researcher1", "password": "demo"}, REMOTE_ADDR="10.0.0.1"
    )
    assert locked.status_code == 429
    # The person at another address, under the per-username limit, is not locked out.
    ok = client.post(
        "/accounts/login/", {"username": "researcher1", "password": "demo"}, REMOTE_ADDR="10.0.0.2"
    )
    assert ok.status_code == 302
