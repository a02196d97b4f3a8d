"""Outside reviewers in Chromium: chair1 invites Ngozi Eze, an ethics adviser, to
researcher1's request under review; she signs in with the invited address, accepts the
e-mailed link and gives her opinion on the one page she sees; chair1 reads it on the
review page, votes and decides; her page is then gone (404). axe-core finds no serious
violation on any of these pages, and each fits a phone (screenshots at 1280 and 375 px)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import User
from notifications.models import Notification
from tests.e2e.conftest import check_accessibility, click_and_wait
from tests.e2e.conftest import sign_in as _sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NGOZI = "ngozi.eze@example.org"
PASSWORD = "a long demo passphrase"
OPINION = "NGOZI-OPINION: the consent materials were translated; the community was consulted."


def sign_in(page: Any, username: str, password: str = "") -> None:
    page.context.clear_cookies()
    _sign_in(page, username, password)


def invitation_link() -> str:
    # Her address has an account: the invitation is in her inbox and sent to that address.
    body = Notification.objects.get(
        kind="outside_reviewer_invited", recipient__username="neze"
    ).body_text
    found = re.search(r"/review/outside/invitations/[A-Za-z0-9_-]+/", body)
    assert found, body
    return found.group(0)


def test_an_outside_reviewer_is_invited_gives_an_opinion_and_loses_access_at_the_decision(
    page: Any,
) -> None:
    from access_requests.review.demo import find

    User.objects.create_user(
        username="neze", email=NGOZI, password=PASSWORD, first_name="Ngozi", last_name="Eze"
    )
    reference = find("under_review").reference
    review = f"/review/{reference}/"

    # The chair invites her from the review page (the demo's adviser is listed already).
    sign_in(page, "chair1")
    page.goto(review)
    section = page.locator("#outside-reviewers")
    assert "Lerato Dlamini" in section.inner_text()
    page.locator("#outside-name").fill("Ngozi Eze")
    page.get_by_label("E-mail address").fill(NGOZI.upper())
    page.get_by_label("Ethics adviser").check()
    click_and_wait(page, page.get_by_role("button", name="Send the invitation"))
    assert "The invitation is sent" in page.locator(".messages").inner_text()
    assert "Ngozi Eze — Ethics adviser" in section.inner_text()
    assert check_accessibility(page, "outside-reviewers-chair") == []
    assert fits_a_phone(page, "outside-reviewers-chair")

    # She signs in with the invited address and accepts the link from her e-mail.
    link = invitation_link()
    sign_in(page, "neze", PASSWORD)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "An invitation to review a request"
    assert check_accessibility(page, "outside-invitation") == []
    assert fits_a_phone(page, "outside-invitation")
    click_and_wait(page, page.get_by_role("button", name="Accept the invitation"))
    assert re.search(r"/review/outside/[0-9a-f-]{36}/$", page.url)
    mine = page.url
    main = page.locator("main").inner_text()
    assert f"Your review of {reference}" in main and "DACD000004" in main
    # The request alone: not the committee's notes, votes or members.
    for secret in ("Brazilian collaborator", "Case-only germline", "Kwame Mensah"):
        assert secret not in page.content()
    assert page.get_by_role("button", name="Cast vote").count() == 0
    assert check_accessibility(page, "outside-reviewer-page") == []
    assert fits_a_phone(page, "outside-reviewer-page")
    page.get_by_label("Your opinion for the committee").fill(OPINION)
    click_and_wait(page, page.get_by_role("button", name="Give my opinion"))
    assert "Your opinion is saved" in page.locator(".messages").inner_text()
    assert page.get_by_label("Your opinion for the committee").input_value() == OPINION
    assert check_accessibility(page, "outside-reviewer-opinion") == []
    # Nothing else of the portal's review is hers.
    assert page.goto(review).status == 404
    assert page.goto("/review/").status == 403

    # The chair reads the opinion, votes, and decides.
    sign_in(page, "chair1")
    page.goto(review)
    assert OPINION in page.locator("#outside-reviewers").inner_text()
    page.locator("#vote-approve").check()
    page.locator("#vote-rationale").fill("The adviser's points are answered.")
    click_and_wait(page, page.get_by_role("button", name="Cast vote"))
    page.locator("#decision-DACD000004-approved").check()
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))
    click_and_wait(page, page.get_by_role("button", name="Record this decision"))
    assert "The decision is recorded" in page.locator(".messages").inner_text()
    assert "Access ended" in page.locator("#outside-reviewers").inner_text()
    assert check_accessibility(page, "outside-reviewers-after-decision") == []

    # Her access ended with the decision.
    sign_in(page, "neze", PASSWORD)
    assert page.goto(mine).status == 404
