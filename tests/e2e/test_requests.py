"""The researcher's journey in the browser: researcher1 starts a draft, leaves, comes back,
completes and submits it from the keyboard alone; the status shows in the list and over
REST; an incompatible dataset shows its reasons and blocks submission. axe-core finds no
serious or critical violation on any page of the journey."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def keyboard_sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/accounts/login/" not in page.url


def activate(locator, key="Enter"):
    """Move the keyboard focus to a control and press a key, as a keyboard user would."""
    locator.focus()
    locator.page.keyboard.press(key)


def type_into(locator, text):
    locator.focus()
    locator.page.keyboard.type(text)


def follow(locator, page, url_pattern):
    with page.expect_navigation(url=url_pattern):
        activate(locator)


def test_a_draft_is_started_left_completed_and_submitted_from_the_keyboard(page):
    keyboard_sign_in(page, "researcher1")
    follow(page.get_by_role("link", name="My requests"), page, "**/requests/")
    assert check_accessibility(page, "requests-list") == []
    follow(page.get_by_role("link", name="Start a new request"), page, "**/requests/new/")
    assert check_accessibility(page, "requests-new") == []

    type_into(page.get_by_label("Title of your project"), "Hypertension and ancestry")
    activate(page.get_by_label(re.compile(r"^DACD000002")), "Space")
    follow(page.get_by_role("button", name="Save draft"), page, re.compile(r"/requests/DAR-"))
    heading = page.get_by_role("heading", level=1).inner_text()
    reference = re.search(r"DAR-\d{4}-\d{6}", heading).group(0)
    assert "saved" in page.locator(".messages").inner_text()
    assert check_accessibility(page, "requests-detail-draft") == []

    # Leave, and come back later through "My requests".
    follow(page.get_by_role("link", name="DAC portal"), page, "**/")
    follow(page.get_by_role("link", name="My requests"), page, "**/requests/")
    row = page.get_by_role("row").filter(has_text=reference)
    assert "Draft" in row.inner_text()
    follow(row.get_by_role("link", name=reference), page, f"**/requests/{reference}/")
    follow(page.get_by_role("link", name="Edit it all on one page"), page, "**/edit/")
    assert check_accessibility(page, "requests-edit") == []
    assert page.get_by_label("Title of your project").input_value() == "Hypertension and ancestry"

    type_into(page.get_by_label("Lay summary"), "Why blood pressure differs between people.")
    type_into(page.get_by_label("Research use statement"), "Association study of genotypes.")
    activate(page.get_by_label("Is this health, medical or biomedical research?"), "Space")
    for checkbox in page.locator("input[name^='attest_']").all():
        activate(checkbox, "Space")
    follow(page.get_by_role("button", name="Save draft"), page, f"**/requests/{reference}/")

    follow(
        page.get_by_role("link", name="Check your answers and submit"),
        page,
        f"**/requests/{reference}/check/",
    )
    assert check_accessibility(page, "requests-check-answers") == []
    follow(page.get_by_role("button", name="Submit request"), page, f"**/requests/{reference}/")
    assert "Request submitted." in page.locator(".messages").inner_text()
    status = page.locator(".facts [data-status]")
    assert status.get_attribute("data-status") == "submitted"
    assert check_accessibility(page, "requests-detail-submitted") == []

    follow(page.get_by_role("link", name="My requests"), page, "**/requests/")
    row = page.get_by_role("row").filter(has_text=reference)
    assert row.locator("[data-status]").get_attribute("data-status") == "submitted"
    assert "signing official" in row.inner_text()

    api = page.request.get(f"/api/v1/requests/{reference}/status/")
    assert api.status == 200
    body = api.json()
    assert body["status"] == "submitted"
    assert body["datasets"] == [
        {"accession": "DACD000002", "decision": None, "consent_result": "compatible"}
    ]


def test_an_incompatible_dataset_shows_its_reasons_and_blocks_submission(page):
    keyboard_sign_in(page, "researcher1")
    page.goto("/requests/new/")
    type_into(page.get_by_label("Title of your project"), "Cardiac risk")
    type_into(page.get_by_label("Lay summary"), "Heart disease risk.")
    type_into(page.get_by_label("Research use statement"), "Risk scores.")
    activate(page.get_by_label("Is this health, medical or biomedical research?"), "Space")
    # DACD000005 allows population-origins research only: the live check says so at once.
    activate(page.get_by_label(re.compile(r"^DACD000005")), "Space")
    live = page.locator("#consent-check")
    live.locator(".result--incompatible").wait_for()
    assert live.locator("li li").count() >= 1
    assert check_accessibility(page, "requests-new-incompatible") == []
    for checkbox in page.locator("input[name^='attest_']").all():
        activate(checkbox, "Space")
    follow(page.get_by_role("button", name="Save draft"), page, re.compile(r"/requests/DAR-"))
    reference = re.search(r"DAR-\d{4}-\d{6}", page.url).group(0)

    follow(
        page.get_by_role("link", name="Check your answers and submit"),
        page,
        f"**/requests/{reference}/check/",
    )
    activate(page.get_by_role("button", name="Submit request"))
    page.locator(".error-summary").wait_for()
    summary = page.locator(".error-summary")
    assert "DACD000005" in summary.inner_text()
    assert summary.locator(".blocked-datasets li li").count() >= 1
    assert page.locator(".facts [data-status]").get_attribute("data-status") == "draft"
    assert check_accessibility(page, "requests-detail-blocked") == []
    api = page.request.get(f"/api/v1/requests/{reference}/status/")
    assert api.json()["status"] == "draft"


def test_the_consent_check_works_without_javascript(browser, live_server, seeded):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        keyboard_sign_in(page, "researcher2")  # researcher1 already has DACD000001 open
        page.goto("/requests/new/")
        page.get_by_label(re.compile(r"^DACD000001")).check()
        page.get_by_label("Is this health, medical or biomedical research?").check()
        click_and_wait(page, page.get_by_role("button", name="Check consent"))
        assert page.locator("#consent-check .result--compatible").count() == 1
        assert page.get_by_label(re.compile(r"^DACD000001")).is_checked()
    finally:
        context.close()


def test_a_clash_found_on_saving_keeps_every_entry_and_the_picker_then_refuses_the_dataset(
    page,
):
    """Two tabs: the second saves a draft with DACD000002 while the first still shows it
    free. Saving the first answers 409 with everything typed still there and the error at
    the picker; from then on the picker links to the open request instead."""
    keyboard_sign_in(page, "researcher1")
    page.goto("/requests/new/")
    other = page.context.new_page()
    other.goto("/requests/new/")
    other.get_by_label("Title of your project").fill("First tab")
    other.get_by_label(re.compile(r"^DACD000002")).check()
    click_and_wait(other, other.get_by_role("button", name="Save draft"))
    reference = re.search(r"DAR-\d{4}-\d{6}", other.url).group(0)
    other.close()

    page.get_by_label("Title of your project").fill("KEPT TITLE")
    page.get_by_label("Lay summary", exact=False).first.fill("KEPT SUMMARY")
    page.get_by_label(re.compile(r"^DACD000002")).check()
    with page.expect_response(lambda r: r.url.endswith("/requests/new/")) as answer:
        page.get_by_role("button", name="Save draft").click()
    assert answer.value.status == 409
    page.wait_for_load_state()
    assert page.get_by_label("Title of your project").input_value() == "KEPT TITLE"
    assert page.get_by_label("Lay summary", exact=False).first.input_value() == "KEPT SUMMARY"
    picker = page.locator('[data-dataset="DACD000002"]')
    assert "You already have an open request" in picker.inner_text()
    assert picker.get_by_role("link", name=reference).count() == 1
    assert picker.get_by_role("checkbox").is_disabled()
    assert check_accessibility(page, "requests-new-clash") == []
