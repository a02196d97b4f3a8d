"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's
live server, with axe-core (bundled in axe-playwright-python) checking accessibility.

Screenshots land in test-artifacts/screenshots/. Chromium is /usr/bin/chromium unless
CHROMIUM_PATH says otherwise; Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this is deliberate (the live server has its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


# Swagger UI's third-party page template carries one inline <style> the CSP blocks; every
# page of our own must produce no CSP violation at all.
CSP_EXEMPT_PATHS = ("/api/docs/",)


@pytest.fixture
def page(browser: Any, live_server: Any, seeded: None) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []

    def note_violation(message: Any) -> None:
        if "Content Security Policy" in message.text and not any(
            path in page.url for path in CSP_EXEMPT_PATHS
        ):
            violations.append(f"{page.url}: {message.text}")

    page.on("console", note_violation)
    yield page
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def sign_in(page: Any, username: str, password: str = "demo") -> None:
    from django.conf import settings

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or settings.DEMO_PASSWORD)
    click_and_wait(page, page.get_by_role("button", name="Sign in", exact=True))


def click_and_wait(page: Any, locator: Any) -> None:
    """Click a control that loads a new page and return once that page has arrived.

    Waiting for a load state after the click is a race: the old page is already loaded, so
    the wait can return before the browser has even sent the request, and the next step
    then reads (or navigates away from) the old page. Arming the wait before the click
    closes that window."""
    with page.expect_navigation(wait_until="domcontentloaded"):
        locator.click()


def check_accessibility(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page, save a screenshot, and return the serious or critical
    violations (tests assert the list is empty)."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
            }
        },
    )
    violations = results.response.get("violations", [])
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "help": v.get("help"),
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    ]
