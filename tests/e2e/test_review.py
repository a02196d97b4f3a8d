"""The committee review in the browser: member1 and member2 vote on researcher1's request
under review, member3 (same institution as the applicant) is kept out and told why, chair1
sees the live tally and decides; researcher1 then sees the decision and its conditions,
never the votes or the committee's notes. axe-core finds no serious or critical
violation on the queue or the review page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.context.clear_cookies()
    _sign_in(page, username)


def open_review(page, reference):
    page.goto("/review/")
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/review/{reference}/")


def decide(page, accession, outcome):
    """Choose an outcome on the review page (none is preselected)."""
    page.locator(f"#decision-{accession}-{outcome}").check()


def confirm_decision(page, *expected):
    """The confirmation page restates the decision; nothing is recorded before it."""
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Check the decision")
    summary = page.locator(".decision-summary").inner_text()
    for words in expected:
        assert words in summary
    assert check_accessibility(page, "review-confirm-decision") == []
    click_and_wait(page, page.get_by_role("button", name="Record this decision"))


def vote(page, choice, rationale):
    page.get_by_label(choice, exact=True).check()
    page.get_by_label("Rationale").fill(rationale)
    click_and_wait(page, page.get_by_role("button", name="Cast vote"))
    assert "Your vote is recorded" in page.locator(".messages").inner_text()


def test_members_vote_one_recuses_the_chair_decides_and_the_applicant_sees_reasons(page):
    from access_requests.review.demo import find

    reference = find("under_review").reference

    sign_in(page, "member1")
    page.goto("/review/")
    assert page.get_by_role("heading", level=1).inner_text() == "Review queue"
    assert check_accessibility(page, "review-queue") == []
    open_review(page, reference)
    assert check_accessibility(page, "review-detail-member") == []
    vote(page, "Approve", "MEMBER1-RATIONALE the consent fits.")

    sign_in(page, "member2")
    open_review(page, reference)
    vote(page, "Approve", "MEMBER2-RATIONALE safeguards are adequate.")
    assert "Quorum reached" in page.locator(".tally").inner_text()

    sign_in(page, "member3")
    open_review(page, reference)
    assert "applicant's institution" in page.locator("#my-conflict").inner_text()
    assert page.get_by_role("button", name="Cast vote").count() == 0
    assert page.get_by_role("button", name="Recuse myself").count() == 0
    assert "Committee notes" not in page.content()
    assert check_accessibility(page, "review-detail-recused") == []

    sign_in(page, "chair1")
    open_review(page, reference)
    tally = page.locator(".tally").inner_text()
    assert "2 approve, 0 reject, 0 abstain" in tally and "1 recused" in tally
    assert check_accessibility(page, "review-detail-chair") == []
    assert page.locator("#decide input[type=radio]:checked").count() == 0
    decide(page, "DACD000004", "approved")
    page.get_by_label("Conditions of approval (one per line)").fill(
        "Acknowledge the cohort in every publication."
    )
    confirm_decision(page, "Approve DACD000004", "Acknowledge the cohort in every publication.")
    assert "The decision is recorded" in page.locator(".messages").inner_text()

    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    body = page.locator("main").inner_text()
    assert "Approved" in body
    assert "Acknowledge the cohort in every publication." in body
    for secret in ("MEMBER1-RATIONALE", "MEMBER2-RATIONALE", "Brazilian"):
        assert secret not in page.content()
    assert check_accessibility(page, "request-detail-decided") == []


def test_a_rejection_needs_a_reason_in_the_browser(page):
    from access_requests.review.demo import find

    reference = find("under_review").reference
    sign_in(page, "member2")
    open_review(page, reference)
    vote(page, "Reject", "Not enough detail.")
    sign_in(page, "member1")
    open_review(page, reference)
    vote(page, "Reject", "Agree with member2.")
    sign_in(page, "chair1")
    open_review(page, reference)
    decide(page, "DACD000004", "rejected")
    page.get_by_label("Conditions of approval (one per line)").fill("KEPT")
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))
    assert "A rejection needs a reason" in page.locator("#decide-DACD000004").inner_text()
    # Every choice is kept: the chair's rejection is not turned back into an approval.
    assert page.locator("#decision-DACD000004-rejected").is_checked()
    assert not page.locator("#decision-DACD000004-approved").is_checked()
    assert page.get_by_label("Conditions of approval (one per line)").input_value() == "KEPT"
    assert check_accessibility(page, "review-detail-refused") == []
    page.get_by_label("Conditions of approval (one per line)").fill("")
    page.get_by_label("Reason (required for a rejection)").fill("The protocol lacks detail.")
    confirm_decision(page, "Reject DACD000004", "The protocol lacks detail.")
    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    assert "The protocol lacks detail." in page.locator("main").inner_text()
    assert "Not enough detail." not in page.content()
