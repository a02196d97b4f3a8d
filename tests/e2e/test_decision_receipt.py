"""A decision receipt in Chromium (issue 20): researcher1 opens her approved demo request,
finds its receipts under "Receipts", downloads the decision's, and the file verifies with
the log's public key, which the page links to. axe-core finds no serious violation on the
page, and it fits a phone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from access_requests.models import AccessRequest
from audit.offline_verifier import receipt_check
from tests.e2e.conftest import check_accessibility, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_downloads_her_decision_receipt_and_it_verifies(
    page: Any, tmp_path: Path
) -> None:
    reference = AccessRequest.objects.get(title="Ancestry-aware polygenic scores").reference
    sign_in(page, "researcher1")
    page.goto(f"/requests/{reference}/")
    receipts = page.get_by_test_id("receipts")
    assert receipts.get_by_role("link", name="Receipt: Decision").count() == 1
    assert check_accessibility(page, "request-receipts") == []
    assert fits_a_phone(page, "request-receipts")

    with page.expect_download() as waiting:
        receipts.get_by_role("link", name="Receipt: Decision").click()
    download = waiting.value
    assert download.suggested_filename.startswith(f"receipt-{reference}-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    key = page.request.get(
        page.get_by_role("link", name="the log's public key").get_attribute("href")
    )
    assert key.ok
    receipt = json.loads(saved.read_text(encoding="utf-8"))
    assert receipt["event"]["data"]["outcome"]["status"] == "approved"
    assert receipt_check(receipt, key.body()) == []
