"""A renewal the committee decides, in Chromium (issue 18): the demo committee votes on
renewals, and researcher1's renewal of the active grant of "Ancestry-aware polygenic
scores" waits with member1's vote. member2 opens the grant page, reads the justification,
the vote so far and the tally, and votes; the tally then says what the majority lets the
chair record. chair1, now that the quorum of 2 has voted, approves the renewal with no
decision chosen for them in advance. The holder never reads the committee's votes.
axe-core finds no serious violation, and each page fits a phone."""

from __future__ import annotations

from typing import Any

import pytest

from agreements.models import Grant, Renewal
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_members_vote_on_a_renewal_and_the_chair_decides(page: Any) -> None:
    grant = Grant.objects.get(
        access_request__title="Ancestry-aware polygenic scores", status="active"
    )
    old_end = grant.ends_at
    path = f"/grants/{grant.reference}/"

    sign_in(page, "member2")
    page.goto(path)
    assert "second data release" in page.content()
    assert "1 of the 2 votes needed" in page.get_by_test_id("renewal-tally").inner_text()
    assert "Kwame Mensah" in page.get_by_test_id("renewal-votes").inner_text()
    assert check_accessibility(page, "renewal-vote") == []
    assert fits_a_phone(page, "renewal-vote")
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Your reasons").fill("Reports are on time; the new release is in scope.")
    click_and_wait(page, page.get_by_role("button", name="Send"))
    tally = page.get_by_test_id("renewal-tally").inner_text()
    assert "2 of the 2 votes needed" in tally
    assert "allows the chair to approve the renewal, not to reject it" in tally
    assert "You voted: Approve." in page.content()

    page.context.clear_cookies()
    sign_in(page, "chair1")
    page.goto(path)
    decision = page.get_by_role("group", name="Decision")
    assert decision.get_by_role("radio", checked=True).count() == 0  # no default decision
    assert check_accessibility(page, "renewal-decide") == []
    assert fits_a_phone(page, "renewal-decide")
    decision.get_by_label("Approve the renewal").check()
    section = page.locator("section", has=page.locator("#action-renew"))
    click_and_wait(page, section.get_by_role("button", name="Send"))
    assert "Renewal waiting for the committee" not in page.content()
    grant.refresh_from_db()
    assert grant.ends_at > old_end
    assert Renewal.objects.get(grant=grant).status == "approved"

    page.context.clear_cookies()
    sign_in(page, "researcher1")
    page.goto(path)
    assert "Kwame Mensah" not in page.content()
    assert fits_a_phone(page, "renewal-holder")
