"""The statistics charts in Chromium (issue 20): a visitor finds each chart as an image
with a name and a description, the table of its figures beside it, and small counts
hidden; the page passes axe and fits a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, check_accessibility
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = {
    "quarters": "Requests per quarter",
    "turnaround": "Days to decision against each committee's target",
    "region": "Outcomes by WHO region of the applicant's institution",
    "income": "Outcomes by World Bank income group of the applicant's institution",
}


def test_a_visitor_reads_each_chart_and_its_figures(page: Any) -> None:
    page.goto("/stats/")
    for key, title in CHARTS.items():
        figure = page.get_by_test_id(f"chart-{key}")
        image = figure.get_by_role("img", name=title)
        if image.count():  # a chart with nothing to plot says so instead
            assert image.get_attribute("aria-labelledby") == (f"chart-{key}-title chart-{key}-desc")
        else:
            assert "nothing to plot" in figure.inner_text()
    quarters = page.get_by_test_id("chart-quarters-table").inner_text()
    assert "Submitted" in quarters and "Decided" in quarters
    assert page.get_by_test_id("equity-region").count() == 1
    assert page.get_by_test_id("equity-income").count() == 1
    # The demo has few requests per region: their counts read "< 5", never 1 to 4.
    region = page.get_by_test_id("equity-region").inner_text()
    for cell in region.split("\t"):
        assert cell.strip() not in {"1", "2", "3", "4"}
    assert page.locator("[style]").count() == 0  # the strict CSP allows no inline style
    assert check_accessibility(page, "statistics-charts") == []
    assert fits_a_phone(page, "statistics-charts")
    page.get_by_test_id("chart-quarters").screenshot(
        path=str(SCREENSHOTS / "chart-quarters-1280.png")
    )
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_test_id("chart-turnaround").screenshot(
        path=str(SCREENSHOTS / "chart-turnaround-375.png")
    )
    page.set_viewport_size({"width": 1280, "height": 800})
