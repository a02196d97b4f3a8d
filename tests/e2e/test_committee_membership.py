"""Committee membership in Chromium (issue 17): chair1 opens the members page from their
profile, invites a community representative by e-mail with a term of office; she signs in
with that address, follows the link, accepts, and publishes her region and expertise; the
public committee page counts her by role and region, without her name; chair1 extends
member2's term on her own page and sets lay representatives to advise. axe-core finds no
serious violation, and the pages fit a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.models import CommitteeInvitation
from accounts.services import user_create
from notifications.models import Notification
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "zanele.dube@example.org"
PASSWORD = "Community-Voice-2026"


def sign_out(page: Any) -> None:
    click_and_wait(page, page.get_by_role("button", name="Sign out"))


def the_link_she_was_sent() -> str:
    invitation = CommitteeInvitation.objects.get(email=ADDRESS)
    mail = Notification.objects.get(dedupe_key=f"committee_invitation.sent:{invitation.public_id}")
    match = re.search(r"/committee-invitations/[^/\s]+/", mail.body_text)
    assert match, mail.body_text
    return match.group(0)


def test_a_chair_invites_a_community_representative_who_joins_and_publishes(page: Any) -> None:
    sign_in(page, "chair1")
    page.goto("/accounts/profile/")
    click_and_wait(page, page.get_by_role("link", name="Members of Genomics"))
    assert "Amara Diallo" in page.get_by_test_id("members").inner_text()
    assert check_accessibility(page, "committee-members") == []
    assert fits_a_phone(page, "committee-members")

    page.get_by_label("Name").fill("Zanele Dube")
    page.get_by_label("E-mail").fill(ADDRESS)
    page.get_by_label("Role").last.select_option("lay")
    page.get_by_label("Term ends").last.fill("2029-06-30")
    click_and_wait(page, page.get_by_role("button", name="Send the invitation"))
    assert "Zanele Dube" in page.get_by_test_id("invitations").inner_text()
    sign_out(page)

    user_create(
        username="zanele",
        email=ADDRESS,
        password=PASSWORD,
        first_name="Zanele",
        last_name="Dube",
        actor=None,
    )
    sign_in(page, "zanele", PASSWORD)
    page.goto(the_link_she_was_sent())
    assert "Lay or community representative" in page.locator("main").inner_text()
    assert check_accessibility(page, "committee-invitation") == []
    assert fits_a_phone(page, "committee-invitation")
    click_and_wait(page, page.get_by_role("button", name="Accept and join the committee"))

    page.get_by_label("Region you work in").select_option("AFR")
    page.get_by_label("Expertise").fill("Community health work")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    assert check_accessibility(page, "committee-profile") == []
    assert fits_a_phone(page, "committee-profile")
    sign_out(page)

    page.goto("/committees/genomics-dac/")
    roles = page.get_by_test_id("composition-by-role").inner_text()
    assert "Lay or community representative: 2" in roles
    assert "African Region: 3" in page.get_by_test_id("composition-by-region").inner_text()
    assert "Community health work" in page.get_by_test_id("composition-expertise").inner_text()
    assert "Zanele" not in page.locator("main").inner_text()
    assert check_accessibility(page, "committee-composition") == []
    assert fits_a_phone(page, "committee-composition")

    sign_in(page, "chair1")
    page.goto("/committees/genomics-dac/members/")
    click_and_wait(page, page.get_by_role("link", name="Change Priya Raman's role or term"))
    assert check_accessibility(page, "committee-member") == []
    assert fits_a_phone(page, "committee-member")
    page.get_by_label("Term ends").fill("2028-12-31")
    click_and_wait(page, page.get_by_role("button", name="Save"))
    priya = page.locator('[data-username="member2"]').inner_text()
    assert "31 December 2028" in priya

    page.get_by_label("Advise: they comment, and do not vote").check()
    lay_form = page.locator('form[action$="/members/lay-voting/"]')
    click_and_wait(page, lay_form.get_by_role("button", name="Save"))
    assert "advises" in page.get_by_test_id("members").inner_text()
