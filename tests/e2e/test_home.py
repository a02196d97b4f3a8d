"""Each role's home page in the browser (issue 14): what needs them, counted and linked.
Every count on the page is the one the dashboard computes from the database, every link
opens, the menu holds only what the role uses, and axe-core finds no serious violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["researcher1", "official1", "member1", "chair1", "steward1", "auditor1"]


@pytest.mark.parametrize("username", ROLES)
def test_the_home_page_says_what_needs_each_role(page, username):
    from accounts.models import User
    from dac_portal.dashboard import panels_for

    sign_in(page, username)
    page.goto("/")
    expected = {
        item.key: item.count
        for panel in panels_for(User.objects.get(username=username))
        for item in panel["items"]
    }
    shown = {
        item.get_attribute("data-item"): item.get_attribute("data-count")
        for item in page.locator("[data-item]").all()
    }
    assert shown == {key: None if n is None else str(n) for key, n in expected.items()}
    assert check_accessibility(page, f"home-{username}") == []
    menu = page.get_by_role("navigation").first.inner_text()
    if username in {"member1", "steward1", "auditor1"}:
        assert "My requests" not in menu
    first = page.locator("[data-item] a").first
    click_and_wait(page, first)
    assert page.get_by_role("heading", level=1).count() == 1
    assert "Page not found" not in page.content()


def test_the_inbox_shows_the_messages_sent_and_marks_them_read(page):
    sign_in(page, "researcher1")
    page.goto("/")
    badge = page.locator(".nav-count")
    assert int(badge.get_attribute("data-unread")) >= 1
    page.get_by_role("navigation").first.get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/inbox/")
    assert page.locator(".inbox-list li.unread").count() >= 1
    assert check_accessibility(page, "inbox") == []
    click_and_wait(page, page.get_by_role("button", name="Mark all as read"))
    assert "marked read" in page.locator(".messages").inner_text()
    assert page.locator(".inbox-list li.unread").count() == 0
    assert page.locator(".nav-count").count() == 0
