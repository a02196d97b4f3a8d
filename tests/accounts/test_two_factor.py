"""Chairs, stewards, administrators and auditors need a second factor (TOTP)."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = True


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, 0):06d}"


@pytest.mark.parametrize("username", ["chair1", "steward1", "admin", "auditor1"])
def test_a_privileged_person_signed_in_with_a_password_only_is_sent_to_set_up_a_second_factor(
    client, demo_user, username
):
    client.force_login(demo_user(username))
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"


@pytest.mark.parametrize("username", ["researcher1", "official1", "member1"])
def test_other_people_are_not_forced_to_use_a_second_factor(client, demo_user, username):
    client.force_login(demo_user(username))
    assert client.get("/accounts/profile/").status_code == 200


def test_the_api_with_a_session_refuses_an_unverified_privileged_person(client, chair1):
    client.force_login(chair1)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"


def test_confirming_a_first_code_turns_two_factor_on_and_lets_the_person_in(client, chair1):
    client.force_login(chair1)
    assert client.get("/accounts/2fa/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=chair1, confirmed=False)
    response = client.post("/accounts/2fa/setup/", {"token": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="user.two_factor_enabled", actor=chair1).exists()


def test_a_wrong_code_is_refused_and_nothing_is_enabled(client, chair1):
    client.force_login(chair1)
    client.get("/accounts/2fa/setup/")
    response = client.post("/accounts/2fa/setup/", {"token": "000000"})
    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=chair1, confirmed=True).exists()


def test_after_enrolment_the_next_sign_in_asks_for_a_code(client, auditor1):
    device = TOTPDevice.objects.create(user=auditor1, name="app", confirmed=True)
    client.force_login(auditor1)
    response = client.get("/accounts/profile/")
    assert response["Location"] == "/accounts/2fa/verify/"
    assert client.post("/accounts/2fa/verify/", {"token": "12"}).status_code == 400
    assert client.post("/accounts/2fa/verify/", {"token": _code(device)}).status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
