"""Training records in Chromium (issue 18): researcher2's record is three years old; she
adds a new one on /accounts/training/ from her profile. axe-core finds no serious violation,
and the page fits a phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_records_a_training(page: Any) -> None:
    sign_in(page, "researcher2")
    page.goto("/accounts/profile/")
    click_and_wait(page, page.get_by_role("link", name="Your training records"))
    assert "Biomedical research ethics" in page.get_by_test_id("training-records").inner_text()
    assert check_accessibility(page, "training-records") == []

    page.get_by_label("Kind of training").select_option("data_protection")
    page.get_by_label("Course").fill("GDPR essentials for genomics")
    page.get_by_label("Provider").fill("ELIXIR")
    page.get_by_label("Completed on").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    page.get_by_label("Certificate").fill("https://training.example.org/c/42")
    click_and_wait(page, page.get_by_role("button", name="Add the record"))
    assert "GDPR essentials for genomics" in page.get_by_test_id("training-records").inner_text()
    assert check_accessibility(page, "training-records-added") == []
    assert fits_a_phone(page, "training-records")
