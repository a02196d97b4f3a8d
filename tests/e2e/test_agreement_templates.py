"""A steward keeps the committee's data use agreement in the browser: opens it from the
menu, reads the preview, is told about a mistyped placeholder, and saves the next version;
the chair changes the agreement policy. axe-core finds no serious or critical violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_steward_adds_a_version_of_the_agreement(page, settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "steward1")
    click_and_wait(page, page.get_by_role("link", name="Agreement templates"))
    assert check_accessibility(page, "agreement-templates") == []
    click_and_wait(page, page.get_by_role("link", name="Genomics Data Access Committee"))
    current = int(page.locator("#current-version").inner_text())
    expect(
        page.get_by_role("article", name="Preview of the current agreement text")
    ).to_be_visible()
    assert check_accessibility(page, "agreement-template") == []

    page.get_by_label("Title").fill("Data use agreement, 2027 edition")
    page.get_by_label("Text (Markdown)").fill("# Terms\n\nFor {{ refrence }} only.")
    click_and_wait(page, page.get_by_role("button", name="Save as the next version"))
    expect(page.locator(".error-summary")).to_contain_text("Unknown placeholders: refrence")
    assert check_accessibility(page, "agreement-template-error") == []

    page.get_by_label("Text (Markdown)").fill("# Terms\n\nFor {{ reference }} only.")
    click_and_wait(page, page.get_by_role("button", name="Save as the next version"))
    expect(page.locator(".messages")).to_contain_text(f"Version {current + 1}")
    assert page.locator("#current-version").inner_text() == str(current + 1)
    assert "Only the chair changes the policy." in page.content()


def test_the_chair_changes_the_agreement_policy(page, settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "chair1")
    page.goto("/agreement-templates/genomics-dac/")
    policy = page.get_by_role("region", name="Agreement policy")
    policy.get_by_label("Days to delete withdrawn participants' data").fill("21")
    click_and_wait(page, policy.get_by_role("button", name="Save the policy"))
    expect(page.locator(".messages")).to_contain_text("Agreement policy saved.")
    assert page.get_by_label("Days to delete withdrawn participants' data").input_value() == "21"
    assert check_accessibility(page, "agreement-template-chair") == []
