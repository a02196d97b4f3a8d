"""Swagger UI renders the schema offline, under the strict CSP: its initialiser is a file
(SpectacularSwaggerSplitView), so no script is blocked. Its page template carries one
inline <style> block that the CSP blocks; the page renders without it, and the policy is
not loosened for a third-party page."""

import pytest

from tests.e2e.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_api_without_any_blocked_script(page):
    blocked_scripts = []
    page.on(
        "console",
        lambda message: (
            blocked_scripts.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )
    page.goto("/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=15_000)
    assert page.locator(".swagger-ui .opblock").count() > 20
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-docs.png"))
    assert blocked_scripts == []
