"""Browser journey of issue 21 (findings come back; WHO 3.3 and 3.7): researcher1 files a
progress report with findings and a DOI on the active demo grant, chair1 publishes them
from the grant page, and a visitor reads them on the public register, with the DOI as a
link. Every page is checked with axe; the grant page and the register at phone width."""

from __future__ import annotations

import pytest

from agreements.models import Findings, Grant
from tests.e2e.conftest import SCREENSHOTS, check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import PHONE, fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "Weighted scores predicted risk equally well in every ancestry group we studied."
RETURNED = "Results were shared at the community advisory board's autumn meeting."


def close_up(page, selector: str, name: str) -> None:
    """Screenshots of one part of the page at desktop and phone width, to look at it
    without scrolling through the whole page."""
    for width in (1280, PHONE):
        page.set_viewport_size({"width": width, "height": 800})
        page.locator(selector).first.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_holder_reports_findings_the_chair_publishes_a_visitor_reads_them(page):
    grant = Grant.objects.get(
        access_request__title="Ancestry-aware polygenic scores", status="active"
    )
    url = f"/grants/{grant.reference}/"

    sign_in(page, "researcher1")
    page.goto(url)
    report = page.locator("section[aria-labelledby='action-report']")
    close_up(page, "section[aria-labelledby='action-report']", "findings-close-up-report-form")
    report.get_by_label("Progress summary").fill("The scores are computed for both datasets.")
    report.get_by_label("Plain-language summary of findings").fill(SUMMARY)
    report.get_by_label("Publications (DOIs, one per line)").fill("not a doi")
    click_and_wait(page, report.get_by_role("button", name="Send"))
    assert "Not a DOI: not a doi" in page.locator(".error-summary").inner_text()
    assert check_accessibility(page, "findings-report-error") == []
    report = page.locator("section[aria-labelledby='action-report']")
    assert report.get_by_label("Plain-language summary of findings").input_value() == SUMMARY
    report.get_by_label("Publications (DOIs, one per line)").fill(
        "https://doi.org/10.5555/E2E.Findings"
    )
    report.get_by_label("Return of results", exact=False).fill(RETURNED)
    click_and_wait(page, report.get_by_role("button", name="Send"))
    findings = page.get_by_test_id("findings")
    assert "Not published" in findings.inner_text()
    assert check_accessibility(page, "findings-grant-holder") == []
    close_up(page, "section.findings", "findings-close-up-holder")
    assert Findings.objects.get(grant=grant).dois == ["10.5555/e2e.findings"]

    page.context.clear_cookies()
    sign_in(page, "chair1")
    page.goto(url)
    page.locator("#findings-heading").scroll_into_view_if_needed()
    assert check_accessibility(page, "findings-grant-chair") == []
    assert fits_a_phone(page, "findings-grant-chair")
    close_up(page, "section.findings", "findings-close-up-chair")
    click_and_wait(page, page.get_by_role("button", name="Publish on the public register"))
    assert "Findings published on the public register." in page.content()
    assert page.get_by_role("button", name="Withdraw from the public register").is_visible()
    close_up(page, "section.findings", "findings-close-up-chair-published")

    page.context.clear_cookies()
    page.goto("/register/?q=Ancestry-aware")
    findings = page.get_by_test_id("register-findings")
    assert SUMMARY in findings.inner_text()
    assert RETURNED in findings.inner_text()
    link = findings.get_by_role("link", name="doi:10.5555/e2e.findings")
    assert link.get_attribute("href") == "https://doi.org/10.5555/e2e.findings"
    assert check_accessibility(page, "findings-register") == []
    assert fits_a_phone(page, "findings-register")
    close_up(page, "tr:has([data-testid='register-findings'])", "findings-close-up-register")
