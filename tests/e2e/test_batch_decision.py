"""A batch decision from the review queue in Chromium: chair1 ticks the quorate request
and the mixed one, chooses one outcome with one reason, checks it on the confirmation
page and records it; the quorate one is decided, the other is reported and left as it
was. axe-core finds no serious violation; the pages fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from access_requests.models import AccessRequest
from access_requests.review import services as review_services
from access_requests.review.demo import find
from accounts.models import User
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_chair_decides_several_requests_at_once(page: Any) -> None:
    quorate, short = find("under_review"), find("mixed")
    assert quorate is not None and short is not None
    # member1 voted already; member2's vote makes the quorum of two.
    review_services.access_request_vote(
        access_request=quorate,
        vote="approve",
        rationale="Fits the consent.",
        actor=User.objects.get(username="member2"),
    )

    sign_in(page, "chair1")
    page.goto("/review/")
    page.get_by_label(f"Select {quorate.reference}").check()
    page.get_by_label(f"Select {short.reference}").check()
    page.locator("#batch-approve").check()
    page.locator("#batch-reason").fill("Within the consented use.")
    assert check_accessibility(page, "review-queue-batch") == []
    assert fits_a_phone(page, "review-queue-batch")
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))

    assert page.get_by_role("heading", level=1).inner_text() == "Check the batch decision"
    listed = page.locator("#batch-requests").inner_text()
    assert quorate.reference in listed and short.reference in listed
    assert check_accessibility(page, "review-confirm-batch") == []
    assert fits_a_phone(page, "review-confirm-batch")
    click_and_wait(page, page.get_by_role("button", name="Record this decision on 2 requests"))

    said = page.locator(".messages").inner_text()
    assert f"1 request decided: {quorate.reference}." in said
    assert f"{short.reference} was not decided" in said
    assert AccessRequest.objects.get(pk=quorate.pk).status == "approved"
    assert AccessRequest.objects.get(pk=short.pk).status == "under_review"
