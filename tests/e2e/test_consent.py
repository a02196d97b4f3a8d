"""steward1 records a new consent version and sees its plain-language rendering; the
public catalogue and a dataset page pass axe."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_catalogue_filters_and_is_accessible(page) -> None:
    page.goto("/datasets/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dataset catalogue"
    assert check_accessibility(page, "consent-catalogue") == []
    page.get_by_label("Permission").select_option("DS")
    page.get_by_label("Disease").fill("DOID:1612")
    click_and_wait(page, page.get_by_role("button", name="Filter"))
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "DACD000004" in rows.first.inner_text()
    rows.first.get_by_role("link", name="DACD000004").click()
    page.wait_for_url("**/datasets/DACD000004/")
    assert (
        "Use allowed only for research on cancer"
        in page.locator(".consent-summary").first.inner_text()
    )
    assert check_accessibility(page, "consent-dataset") == []


def test_steward_records_a_new_consent_version_and_reads_it_in_plain_language(
    page, settings
) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "steward1")
    page.get_by_role("link", name="My datasets").click()
    page.wait_for_url("**/steward/")
    assert check_accessibility(page, "consent-steward-home") == []
    page.get_by_role("link", name="Consent DACD000004", exact=True).click()
    page.wait_for_url("**/steward/datasets/DACD000004/consent/")
    assert check_accessibility(page, "consent-scope-form") == []
    assert fits_a_phone(page, "consent-scope-form")

    # In words, not codes: the consent is chosen by what participants allowed.
    page.get_by_label("Disease-specific research").check()
    page.get_by_label("Diseases (DS only)").fill("DOID:1612")
    page.get_by_label("Non-commercial", exact=True).check()
    page.get_by_label("Ethics approval required").check()
    page.get_by_label("Why this version").fill("Re-consent limited the use to breast cancer.")
    click_and_wait(page, page.get_by_role("button", name="Record version"))

    assert "Consent scope version 2 recorded." in page.locator(".messages").inner_text()
    assert page.get_by_test_id("current-consent").inner_text() == (
        "Use allowed only for research on breast cancer, ethics approval required, non-commercial."
    )
    versions = page.locator("table tbody tr")
    assert versions.count() == 2  # the old version stays readable
    assert "cancer" in versions.nth(1).inner_text()
    assert check_accessibility(page, "consent-scope-recorded") == []


def test_a_bad_consent_version_is_shown_with_its_problems(page, settings) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "steward1")
    page.goto("/steward/datasets/DACD000004/consent/")
    page.get_by_label("Disease-specific research").check()
    page.get_by_label("Diseases (DS only)").fill("DOID:424242")
    click_and_wait(page, page.get_by_role("button", name="Record version"))
    assert "DOID:424242" in page.locator(".error-summary").inner_text()
    assert check_accessibility(page, "consent-scope-error") == []
