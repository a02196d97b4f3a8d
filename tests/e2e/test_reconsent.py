"""steward1 raises a re-consent flag on a dataset in the browser, sees the public dataset
page say that approvals are paused, then clears the flag. axe-core finds no serious or
critical violation on the page, with and without open flags."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_steward_raises_and_clears_a_reconsent_flag(page, settings):
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "steward1")
    page.goto("/steward/")
    click_and_wait(page, page.get_by_role("link", name="Re-consent DACD000004"))
    expect(page.locator("#reconsent-state")).to_contain_text("No open flag")
    assert check_accessibility(page, "reconsent-none") == []

    page.get_by_label("Why participants must re-consent").fill(
        "Participants recruited as minors have reached adulthood."
    )
    page.get_by_label("Participants concerned (if known)").fill("37")
    click_and_wait(page, page.get_by_role("button", name="Raise flag"))
    expect(page.locator("#reconsent-state")).to_contain_text("1 open flag")
    assert check_accessibility(page, "reconsent-open") == []

    page.goto("/datasets/DACD000004/")
    expect(page.locator("#reconsent-notice")).to_contain_text("have reached adulthood")

    page.goto("/steward/datasets/DACD000004/reconsent/")
    page.get_by_label("How re-consent was completed").fill("All 37 re-consented by letter.")
    click_and_wait(page, page.get_by_role("button", name="Clear flag"))
    expect(page.locator("#reconsent-flags")).to_contain_text("All 37 re-consented by letter.")
    expect(page.locator("#reconsent-state")).to_contain_text("No open flag")
