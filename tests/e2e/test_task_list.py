"""researcher1 finishes their draft section by section and submits it from "check your
answers" (issue 14): the task list shows each section's state, a section saves on its own,
the check page shows every answer, and Submit sends it on. axe-core finds no serious
violation on the task list, a section or the check page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_draft_is_finished_section_by_section_and_submitted(page):
    from access_requests import demo

    reference = demo.find("draft").reference
    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    click_and_wait(
        page, page.get_by_role("link", name="Continue the application, section by section")
    )
    project = page.locator('[data-section="project"]')
    assert project.get_attribute("data-state") == "in_progress"  # no research use statement yet
    assert check_accessibility(page, "tasks") == []

    click_and_wait(page, page.get_by_role("link", name="Your project"))
    page.get_by_label("Research use statement").fill("Genome-wide association with blood pressure.")
    assert check_accessibility(page, "tasks-section-project") == []
    click_and_wait(page, page.get_by_role("button", name="Save and return to the application"))
    assert page.locator('[data-section="project"]').get_attribute("data-state") == "completed"

    click_and_wait(page, page.get_by_role("link", name="Your commitments"))
    for box in page.get_by_role("checkbox").all():
        box.check()
    click_and_wait(page, page.get_by_role("button", name="Save and return to the application"))
    assert page.locator('[data-section="commitments"]').get_attribute("data-state") == "completed"

    click_and_wait(page, page.get_by_role("link", name="Check your answers"))
    main = page.locator("main").inner_text()
    assert "Genome-wide association with blood pressure." in main and "DACD000001" in main
    assert check_accessibility(page, "tasks-check-answers") == []
    click_and_wait(page, page.get_by_role("button", name="Submit request"))
    assert page.locator("[data-status]").first.get_attribute("data-status") in {
        "submitted",
        "under_review",
    }
