"""steward1 keeps the data host's webhooks in the browser: the list, a new subscription
whose secret is shown once, and a subscription's deliveries with their attempts and
*retry now*. axe-core finds no serious violation on these pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_steward_subscribes_a_data_host_and_reads_its_deliveries(page: Any) -> None:
    sign_in(page, "steward1")
    click_and_wait(page, page.get_by_role("link", name="Webhooks"))
    assert "https://data-host.example.org/dac-hooks" in page.locator("main").inner_text()
    assert check_accessibility(page, "webhooks") == []

    page.get_by_label("Target URL").fill("https://8.8.8.8/dac-events")
    page.get_by_label("A grant was revoked").check()
    page.get_by_label("Genomics Data Access Committee").check()
    click_and_wait(page, page.get_by_role("button", name="Create subscription"))
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    assert check_accessibility(page, "webhook-created") == []

    page.goto("/webhooks/")
    click_and_wait(page, page.get_by_role("link", name="https://data-host.example.org/dac-hooks"))
    deliveries = page.locator(".delivery")
    assert deliveries.count() == 2
    assert "HTTP 503" in page.locator('[data-status="failed"]').inner_text()
    assert check_accessibility(page, "webhook-detail") == []

    click_and_wait(page, page.get_by_role("button", name="Retry msg_demo"))
    assert "Still failing" in page.locator(".messages").inner_text()
