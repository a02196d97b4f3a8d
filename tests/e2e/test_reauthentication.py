"""Re-authentication (issue 12, item 6): a person whose password check is not recent is asked
for it again before creating an API token, and comes back to the page; the page passes axe
with and without an error. (It is a plain form: the same flow without a browser, hence
without JavaScript, is in tests/accounts/test_sessions_and_reauth.py.)"""

from importlib import import_module

import pytest

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _make_the_password_check_old(page) -> None:  # type: ignore[no-untyped-def]
    """Move the session's last password check an hour back (the live server reads the same
    session rows), instead of moving the clock under the browser."""
    from django.conf import settings

    from accounts.sessions import AUTHENTICATED_AT

    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[AUTHENTICATED_AT] = int(store[AUTHENTICATED_AT]) - 3600
    store.save()


def test_an_old_password_check_is_renewed_before_a_new_token(page):
    sign_in(page, "researcher1")
    page.goto("/accounts/tokens/")
    _make_the_password_check_old(page)
    page.get_by_label("Name").fill("late")
    click_and_wait(page, page.get_by_role("button", name="Create token"))
    assert "/accounts/reauth/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm it is you"
    assert check_accessibility(page, "reauth") == []

    page.get_by_label("Password").fill("wrong")
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    assert page.locator(".error-summary").is_visible()
    assert check_accessibility(page, "reauth-error") == []

    page.get_by_label("Password").fill("demo")
    click_and_wait(page, page.get_by_role("button", name="Continue"))
    assert page.url.endswith("/accounts/tokens/")
    page.get_by_label("Name").fill("late")
    click_and_wait(page, page.get_by_role("button", name="Create token"))
    assert page.get_by_role("textbox", name="Token").input_value().startswith("dac_")
