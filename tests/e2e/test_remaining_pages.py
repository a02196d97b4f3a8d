"""axe-core on the pages no journey test visits: the account pages, the steward's forms, and
the error pages. Each page is opened as the person who uses it."""

import pytest

from tests.e2e.conftest import check_accessibility, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("researcher1", "/accounts/profile/", "My account"),
    ("researcher1", "/accounts/tokens/", "API tokens"),
    ("steward1", "/steward/", None),
    ("steward1", "/steward/studies/new/", None),
    ("steward1", "/steward/datasets/new/", None),
    ("steward1", "/steward/datasets/DACD000001/edit/", None),
    ("steward1", "/steward/datasets/DACD000001/withdrawals/", None),
    ("researcher1", "/requests/DAR-2099-999999/", "Page not found"),
]


@pytest.mark.parametrize(("username", "path", "heading"), PAGES, ids=[p for _u, p, _h in PAGES])
def test_the_page_has_no_serious_accessibility_violation(page, username, path, heading):
    sign_in(page, username)
    page.goto(path)
    if heading:
        assert page.get_by_role("heading", level=1).inner_text() == heading
    name = "page" + path.replace("/", "-").rstrip("-")
    assert check_accessibility(page, name) == []


def test_a_researcher_creates_and_revokes_a_token_from_the_keyboard(page):
    sign_in(page, "researcher1")
    page.goto("/accounts/tokens/")
    page.get_by_label("Name").fill("laptop")
    with page.expect_navigation():
        page.get_by_label("Name").press("Enter")
    token = page.get_by_role("textbox", name="Token").input_value()
    assert token.startswith("dac_")
    assert "Authorization: Bearer <your token>" in page.locator("main").inner_text()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy the token").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert check_accessibility(page, "tokens-created") == []
    page.get_by_role("button", name="Revoke laptop").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "revoked" in page.locator("table").inner_text()
