"""A visitor (not signed in) reads the register, searches it, follows an entry to its
committee's public policy, and reads the statistics; every page passes axe. A signed-in
researcher finds the same pages in the menu."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_reads_the_register_a_policy_and_the_statistics(page) -> None:
    page.goto("/")
    page.get_by_role("link", name="Register of approved uses, with lay summaries").click()
    page.wait_for_url("**/register/")
    assert page.get_by_role("heading", level=1).inner_text() == "Register of approved uses"
    assert check_accessibility(page, "transparency-register") == []
    page.get_by_label("Search titles and lay summaries").fill("reference panel")
    page.get_by_label("Committee").select_option("genomics-dac")
    click_and_wait(page, page.get_by_role("button", name="Search"))
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert "Population origins of reference panels" in first
    assert "University of Nairobi" in first and "DACD000005" in first
    assert "Odhiambo" not in page.content()
    assert check_accessibility(page, "transparency-register-search") == []

    rows.first.get_by_role("link", name="Genomics Data Access Committee").click()
    page.wait_for_url("**/committees/genomics-dac/")
    assert page.get_by_role("heading", level=1).inner_text() == "Genomics Data Access Committee"
    assert page.get_by_role("heading", name="Public policy").is_visible()
    assert check_accessibility(page, "transparency-committee") == []

    page.get_by_role("link", name="All statistics").click()
    page.wait_for_url("**/stats/")
    assert page.get_by_role("heading", level=1).inner_text() == "Statistics"
    table = page.get_by_test_id("stats-requests")
    assert "Genomics Data Access Committee" in table.inner_text()
    assert "All committees" in table.inner_text()
    assert check_accessibility(page, "transparency-statistics") == []


def test_an_unknown_committee_is_a_404_page(page) -> None:
    response = page.goto("/committees/no-such-dac/")
    assert response is not None and response.status == 404


def test_a_researcher_finds_the_register_and_statistics_in_the_menu(page, settings) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "researcher1")
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_url("**/register/")
    page.get_by_role("link", name="Statistics", exact=True).click()
    page.wait_for_url("**/stats/")
    assert check_accessibility(page, "transparency-statistics-signed-in") == []
