"""The ethics approval step in Chromium (issue 18): researcher2's draft asks for DACD000004,
whose consent asks for ethics approval; the task list says the step is required; she files
the approval letter with its approving body, number and expiry on the step's page, and the
task list shows it completed. axe-core finds no serious violation, and the page fits a phone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from access_requests import services
from accounts.models import User
from tests.access_requests.conftest import ALL_ATTESTATIONS
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_files_the_ethics_approval_the_consent_asks_for(
    page: Any, tmp_path: Path
) -> None:
    researcher = User.objects.get(username="researcher2")
    draft = services.access_request_create(
        applicant=researcher,
        data={
            "title": "Germline variants and tumour response",
            "lay_summary": "Inherited variants that change how tumours respond to treatment.",
            "research_use_statement": "Case-only germline analysis.",
            "purpose": {"diseases": ["DOID:1612"]},
            "datasets": ["DACD000004"],
            "attestations": dict(ALL_ATTESTATIONS),
        },
        actor=researcher,
    )
    letter = tmp_path / "approval-letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n% approval letter\n%%EOF\n")

    sign_in(page, "researcher2")
    page.goto(f"/requests/{draft.reference}/tasks/")
    assert (
        "Required: the consent asks for it" in page.locator('[data-section="ethics"]').inner_text()
    )
    click_and_wait(page, page.get_by_role("link", name="Ethics approval"))
    assert "DACD000004" in page.locator("#ethics-needed").inner_text()
    assert check_accessibility(page, "ethics-approval-empty") == []

    page.get_by_label("The approval letter").set_input_files(str(letter))
    page.get_by_label("Approving body").fill("INMEGEN Research Ethics Committee")
    page.get_by_label("Approval number").fill("CEI 2026/14")
    valid_until = timezone.localdate() + timedelta(days=300)
    page.get_by_label("Valid until").fill(valid_until.isoformat())
    click_and_wait(page, page.get_by_role("button", name="File the ethics approval"))
    on_file = page.get_by_test_id("ethics-approvals").inner_text()
    assert "CEI 2026/14" in on_file and "the current approval" in on_file
    assert check_accessibility(page, "ethics-approval") == []
    assert fits_a_phone(page, "ethics-approval")

    page.goto(f"/requests/{draft.reference}/tasks/")
    assert page.locator('[data-section="ethics"]').get_attribute("data-state") == "completed"
