"""An appeal in Chromium (issue 18): researcher1's request under review (DACD000004) is
rejected; on its appeal page she reads until when she may appeal and files a statement;
lay1, who took no part in the decision, reads the statement, votes to overturn and
records the panel's decision with reasons; researcher1 reads the outcome and the request
is approved. member1, who voted the first time, is told they take no part. axe-core finds
no serious violation on any step, and each page fits a phone."""

from __future__ import annotations

from typing import Any

import pytest

from access_requests.demo import find
from access_requests.review import services as review_services
from accounts.models import User
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reject_the_request_under_review() -> str:
    request = find("under_review")
    assert request is not None
    member2 = User.objects.get(username="member2")
    chair1 = User.objects.get(username="chair1")
    review_services.access_request_vote(
        access_request=request, vote="reject", rationale="No plan to publish.", actor=member2
    )
    review_services.access_request_decide(
        access_request=request,
        decisions=[
            {
                "dataset": "DACD000004",
                "decision": "rejected",
                "reason": "The request does not say how results will be published.",
            }
        ],
        actor=chair1,
    )
    return request.reference


def test_an_applicant_appeals_and_a_panel_that_took_no_part_overturns(page: Any) -> None:
    reference = _reject_the_request_under_review()

    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    click_and_wait(page, page.get_by_role("link", name="Appeal the rejection"))
    assert "You may appeal until" in page.content()
    assert check_accessibility(page, "appeal-file") == []
    assert fits_a_phone(page, "appeal-file")
    click_and_wait(page, page.get_by_role("button", name="File the appeal"))
    assert page.locator(".field-error, .errorlist").count() > 0  # an empty statement
    page.get_by_label("Your statement").fill(
        "Section 6 of our protocol commits us to open-access publication within a year."
    )
    click_and_wait(page, page.get_by_role("button", name="File the appeal"))
    assert page.get_by_test_id("appeal-status").get_attribute("data-status") == "pending"
    assert check_accessibility(page, "appeal-filed") == []

    page.context.clear_cookies()
    sign_in(page, "member1")
    page.goto(f"/requests/{reference}/appeal/")
    assert "you take no part in its appeal" in page.content()
    assert page.get_by_role("button", name="Record my vote").count() == 0

    page.context.clear_cookies()
    sign_in(page, "lay1")
    page.goto(f"/requests/{reference}/appeal/")
    assert "open-access publication" in page.content()
    assert check_accessibility(page, "appeal-panel") == []
    assert fits_a_phone(page, "appeal-panel")
    page.get_by_label("Overturn it", exact=True).check()
    page.get_by_label("Your reasons").fill("The protocol does plan publication.")
    click_and_wait(page, page.get_by_role("button", name="Record my vote"))
    assert "1 overturn" in page.get_by_test_id("appeal-tally").inner_text()
    page.get_by_label("Overturn it: approve what the consent allows").check()
    page.get_by_label("The panel's reasons").fill(
        "The protocol commits to publication, as consent asks."
    )
    click_and_wait(page, page.get_by_role("button", name="Record the decision"))
    assert page.get_by_test_id("appeal-status").get_attribute("data-status") == "overturned"
    assert check_accessibility(page, "appeal-decided") == []

    page.context.clear_cookies()
    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/appeal/")
    assert "The protocol commits to publication" in page.content()
    assert "The protocol does plan publication." not in page.content()  # the panel's votes
    assert fits_a_phone(page, "appeal-outcome")
