"""Finding a disease by name in the browser (issue 14): with htmx the results come as one
types; without JavaScript the same page answers the plain form. axe-core finds no serious
violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_come_as_one_types(page):
    page.goto("/diseases/")
    page.get_by_label("Disease name").fill("breast")
    page.locator('[data-curie="DOID:1612"]').wait_for()
    assert "breast cancer" in page.locator("#disease-results").inner_text()
    assert check_accessibility(page, "disease-search") == []


def test_the_search_works_without_javascript(browser, live_server, seeded):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/diseases/")
        page.get_by_label("Disease name").fill("cancer")
        click_and_wait(page, page.get_by_role("button", name="Search"))
        assert page.locator('[data-curie="DOID:162"]').count() == 1
    finally:
        context.close()
