"""A collaborator's journey in Chromium: Ada Okafor, invited by e-mail to researcher1's
active demo request, signs in, accepts the link, signs the agreement herself, and gets
an entitlement and a visa that verifies against the portal's JWKS; researcher1 removes
her, her entitlement and visa are gone, and the subscribed data host (a real receiver
process) hears `grant.revoked` for her alone. axe-core finds no serious violation on the
new pages, and they fit a phone."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from agreements import visas
from agreements.models import CollaboratorAccess
from data_hosts import secrets
from data_hosts import services as host_services
from data_hosts.models import WebhookSubscription
from notifications.models import Notification
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone
from tests.webhook_receiver.process import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADA = "ada.okafor@example.org"


@pytest.fixture
def data_host(tmp_path: Path, settings: Any, seeded: None) -> Iterator[Receiver]:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    WebhookSubscription.objects.update(active=False)
    host = Receiver(secret=secrets.new_secret(), log=tmp_path / "seen.jsonl").start()
    host_services.subscription_create(
        actor=User.objects.get(username="steward1"),
        url=host.url,
        events=["grant.activated", "grant.revoked", "collaborator.*"],
        committees=["genomics-dac"],
        secret=host.secret,
    )
    try:
        yield host
    finally:
        host.stop()


def invitation_link() -> str:
    body = Notification.objects.get(kind="collaborator_invited", address=ADA).body_text
    found = re.search(r"/collaborations/invitations/[A-Za-z0-9_-]+/", body)
    assert found, body
    return found.group(0)


def passport_of(user: User, base_url: str) -> list[str]:
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=user, name="e2e", days=1, actor=user)
    url = f"{base_url}/api/v1/me/passport/"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {raw}"})  # noqa: S310 (the live server on loopback)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return list(json.load(response)["ga4gh_passport_v1"])


def jwks(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base_url}/.well-known/jwks.json", timeout=10) as response:  # noqa: S310
        return dict(json.load(response))


def deliver_now() -> None:
    """What the worker (or run_jobs) does: send whatever is due."""
    host_services.deliveries_flush(timezone.now() + timedelta(minutes=5), dry_run=False)


def test_an_invited_collaborator_signs_is_entitled_and_is_removed(
    page: Any, browser: Any, live_server: Any, data_host: Receiver
) -> None:
    ada = User.objects.create_user(
        username="aokafor",
        email=ADA,
        password="a long demo passphrase",
        first_name="Ada",
        last_name="Okafor",
    )
    sign_in(page, "aokafor", "a long demo passphrase")
    page.goto(invitation_link())
    assert "Invitation to work on" in page.locator("h1").inner_text()
    assert check_accessibility(page, "collaboration-invitation") == []
    assert fits_a_phone(page, "collaboration-invitation")
    click_and_wait(page, page.get_by_role("button", name="Accept the invitation"))

    assert page.locator("#collaboration-status").inner_text() == "Invited"
    assert check_accessibility(page, "collaboration") == []
    assert fits_a_phone(page, "collaboration")
    page.get_by_label(re.compile("I have read this agreement")).check()
    click_and_wait(page, page.get_by_role("button", name="Sign", exact=True))
    assert page.locator("#collaboration-status").inner_text() == "Signed"
    assert "Grants that cover you" in page.locator("main").inner_text()

    [visa] = passport_of(ada, live_server.url)
    claims = visas.verify(visa, jwks(live_server.url))
    assert claims["sub"] == str(ada.public_id)
    deliver_now()
    ada_id = str(ada.public_id)
    seen = [(r["type"], r["data"]["user"]) for r in data_host.seen()["records"]]
    assert ("collaborator.signed", ada_id) in seen
    assert ("grant.activated", ada_id) in seen

    # The applicant, in a browser of their own, sees the team and removes Ada.
    applicant = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    sign_in(applicant, "researcher1")
    reference = CollaboratorAccess.objects.get(user=ada).access_request.reference
    applicant.goto(f"/requests/{reference}/agreement/")
    table = applicant.locator("#collaborators").inner_text()
    assert "Ada Okafor" in table and "Chidi Okeke" in table and "Removed" in table
    assert check_accessibility(applicant, "agreement-collaborators") == []
    assert fits_a_phone(applicant, "agreement-collaborators")
    before = data_host.seen()["distinct"]
    click_and_wait(applicant, applicant.get_by_role("button", name="Remove Ada Okafor"))
    assert "Collaborator removed" in applicant.locator(".messages").inner_text()
    applicant.context.close()

    assert passport_of(ada, live_server.url) == []
    deliver_now()
    new = data_host.seen()["records"][before:]
    revoked = [r for r in new if r["type"] == "grant.revoked"]
    assert revoked and {r["data"]["user"] for r in revoked} == {ada_id}
    assert all(r["data"]["role"] == "collaborator" for r in revoked)
    assert data_host.seen()["duplicates"] == 0
    page.reload()
    assert page.locator("#collaboration-status").inner_text() == "Removed"
