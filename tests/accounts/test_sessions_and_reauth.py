"""Issue 12, item 6: privileged sessions are short, and the consequential acts (decisions,
revocations, audit exports, new API tokens) need a recent password (and code) check."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, 0):06d}"


class TestSessionLength:
    @pytest.mark.parametrize("username", ["chair1", "steward1", "admin", "auditor1"])
    def test_a_privileged_persons_session_ends_after_the_privileged_limit(
        self, client, demo_user, settings, username
    ):
        settings.PRIVILEGED_SESSION_SECONDS = 12 * 3600
        client.post("/accounts/login/", {"username": username, "password": "demo"})
        assert client.session.get_expiry_age() == 12 * 3600
        with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=1)):
            response = client.get("/accounts/profile/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_other_people_keep_the_usual_session(self, client, settings):
        client.post("/accounts/login/", {"username": "researcher1", "password": "demo"})
        assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


class TestRecentAuthentication:
    def test_a_fresh_sign_in_counts_as_recent(self, client, researcher1):
        client.force_login(researcher1)
        response = client.post("/accounts/tokens/", {"name": "fresh", "days": "7"})
        assert response.status_code == 200
        assert ApiToken.objects.filter(user=researcher1, name="fresh").exists()

    def test_creating_a_token_long_after_sign_in_asks_for_the_password_first(
        self, client, researcher1
    ):
        client.force_login(researcher1)
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.post("/accounts/tokens/", {"name": "late", "days": "7"})
            assert response.status_code == 302
            assert response["Location"] == "/accounts/reauth/?next=/accounts/tokens/"
            assert not ApiToken.objects.filter(user=researcher1, name="late").exists()
            page = client.get(response["Location"])
            assert page.status_code == 200
            assert b'name="password"' in page.content and b'name="token"' not in page.content
            wrong = client.post(response["Location"], {"password": "nope"})
            assert wrong.status_code == 400
            back = client.post(response["Location"], {"password": "demo"})
            assert back.status_code == 302 and back["Location"] == "/accounts/tokens/"
            again = client.post("/accounts/tokens/", {"name": "late", "days": "7"})
            assert again.status_code == 200
            assert ApiToken.objects.filter(user=researcher1, name="late").exists()

    def test_the_audit_export_long_after_sign_in_asks_for_the_password_first(
        self, client, auditor1
    ):
        client.force_login(auditor1)
        assert client.get("/audit/export/?format=csv").status_code == 200
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.get("/audit/export/?format=csv")
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/reauth/?next=/audit/export/")

    def test_a_person_with_a_second_factor_gives_a_code_too(self, client, settings, auditor1):
        settings.OTP_REQUIRED_FOR_PRIVILEGED = True
        device = TOTPDevice.objects.create(user=auditor1, name="app", confirmed=True)
        client.force_login(auditor1)
        client.post("/accounts/2fa/verify/", {"token": _code(device)})
        with time_machine.travel(timezone.now() + timedelta(minutes=16)) as traveller:
            url = "/accounts/reauth/?next=/audit/"
            assert b'name="token"' in client.get(url).content
            assert client.post(url, {"password": "demo", "token": "000000"}).status_code == 400
            traveller.shift(5)  # django-otp throttles the next try after a wrong code
            done = client.post(url, {"password": "demo", "token": _code(device)})
            assert done.status_code == 302 and done["Location"] == "/audit/"

    def test_next_never_leaves_the_portal(self, client, researcher1):
        client.force_login(researcher1)
        done = client.post("/accounts/reauth/?next=https://evil.example/", {"password": "demo"})
        assert done.status_code == 302 and done["Location"] == "/"

    def test_bearer_token_calls_are_not_asked_to_reauthenticate(self, api_client_for, auditor1):
        api = api_client_for(auditor1)
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            assert api.get("/api/v1/audit/export/?format=jsonl").status_code == 200

    def test_the_api_with_a_browser_session_asks_for_recent_authentication_too(self, auditor1):
        from rest_framework.test import APIClient

        api = APIClient()
        api.force_login(auditor1)
        assert api.get("/api/v1/audit/export/?format=jsonl").status_code == 200
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = api.get("/api/v1/audit/export/?format=jsonl")
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "reauthentication_required"

    @pytest.mark.parametrize(
        ("who", "path", "body"),
        [
            ("chair1", "/api/v1/requests/{ref}/decision/", {"decisions": []}),
            ("chair1", "/api/v1/grants/{grant}/revoke/", {"reason": "Breach."}),
        ],
    )
    def test_deciding_or_revoking_through_the_api_with_an_old_session_is_refused(
        self, demo_user, who, path, body
    ):
        from rest_framework.test import APIClient

        from access_requests.models import AccessRequest
        from agreements.models import Grant
        from audit.models import AuditEvent

        reference = AccessRequest.objects.filter(status="under_review").first().reference
        grant = Grant.objects.filter(status="active").first().reference
        api = APIClient()
        api.force_login(demo_user(who))
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            before = AuditEvent.objects.count()
            response = api.post(path.format(ref=reference, grant=grant), body, format="json")
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "reauthentication_required"
            assert AuditEvent.objects.count() == before
