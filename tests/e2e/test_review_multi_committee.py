"""A request spanning two committees in the browser (the demo's "mixed" request:
DACD000009 of the demo committee, DACD000008 of the second committee): chair2 of the
second committee sees it in the queue, reads only their own committee's note, and decides
DACD000008 — the only dataset the form offers them — while the request stays under
review; chair1 then sees that decision read-only and may decide only DACD000009;
researcher1 sees which dataset is decided and its condition, never the votes or notes.
axe-core finds no serious or critical violation on the pages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.context.clear_cookies()
    _sign_in(page, username)


def open_review(page, reference):
    page.goto("/review/")
    click_and_wait(page, page.get_by_role("link", name=reference))
    assert page.url.endswith(f"/review/{reference}/")


def test_the_second_committees_chair_decides_its_dataset_of_the_mixed_request(page):
    from access_requests.review.demo import find

    reference = find("mixed").reference

    sign_in(page, "chair2")
    page.goto("/review/")
    assert page.get_by_role("link", name=reference).count() == 1
    assert check_accessibility(page, "review-queue-second-committee") == []
    open_review(page, reference)
    main = page.locator("main").inner_text()
    assert "spans several committees" in main
    assert "Registry families were told" in main  # chair2's committee's own note
    assert "variant calling pipeline" not in main  # the demo committee's note
    tallies = page.locator(".tally")
    assert "votes are not shown to you" in tallies.nth(0).inner_text()  # DACD000009
    assert "1 approve, 0 reject, 0 abstain" in tallies.nth(1).inner_text()  # DACD000008
    assert page.locator("#decide-DACD000009").count() == 0
    assert check_accessibility(page, "review-detail-mixed-chair2") == []
    page.locator("#decision-DACD000008-approved").check()
    page.get_by_label("Conditions of approval (one per line)").fill(
        "Cite the rare disease registry."
    )
    click_and_wait(page, page.get_by_role("button", name="Continue to check the decision"))
    assert "stays under review" in page.locator("main").inner_text()
    click_and_wait(page, page.get_by_role("button", name="Record this decision"))
    assert "The decision is recorded" in page.locator(".messages").inner_text()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "under_review"
    assert page.get_by_role("button", name="Continue to check the decision").count() == 0
    assert check_accessibility(page, "review-detail-mixed-decided-by-chair2") == []

    sign_in(page, "chair1")
    open_review(page, reference)
    main = page.locator("main").inner_text()
    assert "Cite the rare disease registry." in main  # the decision, read-only
    assert "Registry families were told" not in main  # the other committee's note
    assert page.locator("#decide-DACD000008").count() == 0
    assert page.locator("#decide-DACD000009").count() == 1

    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    main = page.locator("main").inner_text()
    assert "Some datasets are decided" in main
    assert "Cite the rare disease registry." in main
    for secret in ("registry consent allows", "Registry families", "variant calling"):
        assert secret not in page.content()
    assert check_accessibility(page, "request-detail-partly-decided") == []
