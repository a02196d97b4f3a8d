"""A chair enrols an authenticator app in the browser; both 2FA pages pass axe."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, 0):06d}"


def test_a_chair_sets_up_two_factor_and_is_let_in(page, settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = True
    sign_in(page, "chair1")
    page.wait_for_url("**/accounts/2fa/setup/")
    assert check_accessibility(page, "two-factor-setup") == []
    device = TOTPDevice.objects.get(user__username="chair1", confirmed=False)
    page.get_by_label("Six-digit code").fill(_code(device))
    click_and_wait(page, page.get_by_role("button", name="Turn on"))
    assert page.url.endswith("/") and "/accounts/2fa/" not in page.url
    assert "Two-factor authentication is on." in page.locator(".messages").inner_text()


def test_the_verify_page_is_accessible(page, settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = True
    from accounts.models import User

    TOTPDevice.objects.create(
        user=User.objects.get(username="auditor1"), name="app", confirmed=True
    )
    sign_in(page, "auditor1")
    page.wait_for_url("**/accounts/2fa/verify/")
    page.get_by_label("Six-digit code").fill("000000")
    click_and_wait(page, page.get_by_role("button", name="Verify"))
    assert page.locator(".error-summary").is_visible()
    assert check_accessibility(page, "two-factor-verify-error") == []
