"""A person chooses their language on their account page in Chromium (issue 22): the page
comes back in French, stays French after signing in again with an English browser, and
passes axe in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_chooses_french_on_her_account_page(page: Any, settings: Any) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    sign_in(page, "researcher1")
    page.goto("/accounts/profile/")
    assert check_accessibility(page, "profile-language") == []
    page.get_by_label("Language of your pages, e-mails and messages").select_option("fr")
    click_and_wait(page, page.get_by_role("button", name="Save language"))
    assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert check_accessibility(page, "profile-language-fr") == []
    assert fits_a_phone(page, "profile-language-fr")

    page.context.clear_cookies()  # a new session, and no language cookie
    sign_in(page, "researcher1")
    page.goto("/accounts/profile/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"
