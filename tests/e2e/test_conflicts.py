"""Conflicts of interest in Chromium: member3, at researcher1's university, opens the
review of researcher1's request and is told why they take no part; chair1 reads member1's
declared interest and waives member3's conflict with a reason; member3 can then vote.
member1 keeps their register of declared interests. axe-core finds no serious violation,
and the pages fit a phone."""

from __future__ import annotations

from typing import Any

import pytest

from access_requests.review.demo import find
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page: Any) -> None:
    click_and_wait(page, page.get_by_role("button", name="Sign out"))


def test_a_conflicted_member_is_kept_out_until_the_chair_waives_it(page: Any) -> None:
    request = find("under_review")
    assert request is not None
    review = f"/review/{request.reference}/"

    sign_in(page, "member3")
    page.goto(review)
    assert "You have a conflict of interest" in page.locator("#my-conflict").inner_text()
    assert page.get_by_role("button", name="Cast vote").count() == 0
    assert check_accessibility(page, "review-conflicted") == []
    sign_out(page)

    sign_in(page, "chair1")
    page.goto(review)
    assert "Paid scientific adviser" in page.locator("#member-interests").inner_text()
    page.get_by_label("Reason to let Tomás Ferreira take part").fill(
        "Another faculty; no joint work with the applicant's team."
    )
    assert check_accessibility(page, "review-conflicts-chair") == []
    assert fits_a_phone(page, "review-conflicts-chair")
    click_and_wait(page, page.get_by_role("button", name="Waive the conflict of Tomás Ferreira"))
    assert "waived by Helena Lindqvist" in page.locator("#member-conflicts").inner_text()
    sign_out(page)

    sign_in(page, "member3")
    page.goto(review)
    assert page.locator("#my-conflict").count() == 0
    assert page.get_by_role("button", name="Cast vote").count() == 1


def test_a_member_keeps_a_register_of_declared_interests(page: Any) -> None:
    sign_in(page, "member2")
    page.goto("/accounts/profile/")
    click_and_wait(page, page.get_by_role("link", name="Your declared interests"))
    assert check_accessibility(page, "interests-empty") == []
    page.get_by_label("Interest to declare").fill("Co-author with the Lagos biobank team.")
    click_and_wait(page, page.get_by_role("button", name="Declare"))
    assert "Co-author with the Lagos biobank team." in page.locator("main").inner_text()
    assert check_accessibility(page, "interests") == []
    assert fits_a_phone(page, "interests")
    click_and_wait(page, page.get_by_role("button", name="Mark as ended"))
    assert page.locator('[data-ended="yes"]').count() == 1
