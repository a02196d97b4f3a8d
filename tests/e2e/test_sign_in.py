"""A committee chair signs in and sees who they are and which roles they hold; the public
pages pass axe-core without serious or critical violations."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_is_accessible(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Data access committee portal"
    assert check_accessibility(page, "home") == []


def test_login_page_is_accessible(page):
    page.goto("/accounts/login/")
    assert check_accessibility(page, "login") == []


def test_chair_signs_in_and_sees_their_roles(page):
    sign_in(page, "chair1")
    header = page.locator("header")
    assert "Helena Lindqvist" in header.inner_text()
    roles = page.get_by_role("list", name="Your roles").inner_text()
    assert "Chair — Genomics Data Access Committee" in roles
    assert check_accessibility(page, "home-signed-in-chair") == []


def test_sign_in_works_from_the_keyboard_alone(page):
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link comes first on every page
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.get_by_role("link", name="Sign in to request access").focus()
    with page.expect_navigation(url="**/accounts/login/"):
        page.keyboard.press("Enter")
    # The user name field has focus on arrival. Chromium applies autofocus when it next
    # renders, which may come after the load event on a busy machine: wait for it, as a
    # person would wait for the caret, rather than typing into nothing.
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("researcher1")
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url
    assert "Researcher" in page.get_by_role("list", name="Your roles").inner_text()


def test_a_wrong_password_is_refused_and_recorded_in_the_audit_log(page):
    from audit.models import AuditEvent

    sign_in(page, "researcher1", password="not-the-password")
    expect(page.locator(".error-summary")).to_be_visible()
    event = AuditEvent.objects.filter(action="user.login_failed").order_by("-seq").first()
    assert event is not None and event.data["username"] == "researcher1"
