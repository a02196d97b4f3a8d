"""auditor1 filters the audit log, opens one object's history, downloads an export and its
manifest from /audit/ (Playwright downloads), verifies them offline, and axe passes."""

from __future__ import annotations

import json

import pytest

from tests.audit.tampering import record_a_run_without_the_seal
from tests.e2e.conftest import SCREENSHOTS, check_accessibility, click_and_wait, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _own_checkpoint_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")


def test_auditor_filters_the_log_and_downloads_a_verifiable_export(page, tmp_path):
    from audit import export

    sign_in(page, "auditor1")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/audit/")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit log"
    assert check_accessibility(page, "audit-log") == []
    page.screenshot(path=str(SCREENSHOTS / "audit-log-viewport.png"))

    page.get_by_label("Action").select_option("user.login")
    click_and_wait(page, page.get_by_role("button", name="Filter"))
    rows = page.locator("table.audit-table tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        # The action in words, with its stable code beside it for auditors.
        assert "Signed in" in rows.nth(i).inner_text()
        assert "user.login" in rows.nth(i).inner_text()
    page.screenshot(path=str(SCREENSHOTS / "audit-log-in-words-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "audit-log-in-words-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})

    click_and_wait(page, rows.first.get_by_role("link"))
    assert "History of user" in page.get_by_role("heading", level=1).inner_text()
    assert check_accessibility(page, "audit-object-history") == []

    page.get_by_role("link", name="Back to the whole audit log").click()
    page.get_by_label("JSON Lines").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download export").click()
    download = download_info.value
    file_path = tmp_path / download.suggested_filename
    download.save_as(file_path)
    with page.expect_download() as manifest_info:
        page.get_by_role("button", name="Download its manifest").click()
    manifest_download = manifest_info.value
    manifest_path = tmp_path / manifest_download.suggested_filename
    manifest_download.save_as(manifest_path)

    assert manifest_path.name == file_path.name + ".manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["format"] == "jsonl" and manifest["row_count"] > 0
    assert export.verify_export(file_path)["last_seq"] == manifest["last_seq"]


def test_auditor_runs_verification_from_the_page(page):
    sign_in(page, "auditor1")
    page.goto("/audit/")
    click_and_wait(page, page.get_by_role("button", name="Verify the log now"))
    assert "The audit log verified" in page.locator(".messages").inner_text()
    assert "verified" in page.locator(".audit-verification").inner_text()
    assert check_accessibility(page, "audit-log-verified") == []


def test_a_researcher_is_refused_the_audit_page(page):
    sign_in(page, "researcher1")
    assert page.get_by_role("link", name="Audit log").count() == 0
    response = page.goto("/audit/")
    assert response is not None and response.status == 403


def test_the_page_warns_an_auditor_when_the_last_run_found_the_seal_not_intact(page):
    record_a_run_without_the_seal()
    sign_in(page, "auditor1")
    for width, name in ((375, "audit-log-seal-warning-phone"), (1280, "audit-log-seal-warning")):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/audit/")
        panel = page.locator(".audit-verification").inner_text()
        assert "seal on the log was not intact" in panel
        assert "the constraint audit_event_sealed is missing" in panel
        assert check_accessibility(page, name) == []
