"""The catalogue import page in Chromium (issue 21): steward1 uploads a CSV with one bad
row, reads the check (nothing written yet), imports the good rows on purpose, and the new
datasets are in the catalogue. axe-core finds no serious violation on the upload page or
the report, and both fit a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from consent.models import Dataset
from tests.e2e.conftest import check_accessibility, click_and_wait, sign_in
from tests.e2e.test_federated_sign_in import fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "accession,title,study,permission,modifiers,diseases,participant_count\n"
    "DACD900001,Browser-imported exomes,DACS000002,DS,NCU,DOID:9351,40\n"
    "DACD900002,Browser-imported genomes,DACS000002,HMB,,,25\n"
    "DACD900003,A row with a made-up code,DACS000002,ZZZ,,,5\n"
)


def test_a_steward_checks_a_file_then_imports_its_good_rows(
    page: Any, settings: Any, tmp_path: Path
) -> None:
    settings.OTP_REQUIRED_FOR_PRIVILEGED = False
    catalogue = tmp_path / "cohort.csv"
    catalogue.write_text(FILE, encoding="utf-8")
    sign_in(page, "steward1")
    page.goto("/steward/")
    click_and_wait(page, page.get_by_role("link", name="Import a catalogue"))
    assert page.get_by_role("heading", level=1).inner_text() == "Import a catalogue"
    assert check_accessibility(page, "catalogue-import") == []
    assert fits_a_phone(page, "catalogue-import")

    page.get_by_label("Catalogue file").set_input_files(str(catalogue))
    click_and_wait(page, page.get_by_role("button", name="Check the file"))
    assert page.get_by_role("heading", level=1).inner_text() == "Check of cohort.csv"
    refused = page.get_by_test_id("refused-rows").inner_text()
    assert "DACD900003" in refused and "permission" in refused
    assert "DACD900001" in page.get_by_test_id("import-rows").inner_text()
    assert not Dataset.objects.filter(accession__startswith="DACD9000").exists()
    assert check_accessibility(page, "catalogue-import-report") == []
    assert fits_a_phone(page, "catalogue-import-report")

    # Importing without leaving the refused row out on purpose is refused, nothing written.
    click_and_wait(page, page.get_by_role("button", name="Import the catalogue"))
    assert "1 row is refused" in page.get_by_role("alert").inner_text()
    assert not Dataset.objects.filter(accession__startswith="DACD9000").exists()

    page.get_by_label("Import the other rows and leave the refused ones out").check()
    click_and_wait(page, page.get_by_role("button", name="Import the catalogue"))
    assert page.get_by_test_id("import-done").is_visible()
    assert sorted(
        Dataset.objects.filter(accession__startswith="DACD9000").values_list("accession", flat=True)
    ) == ["DACD900001", "DACD900002"]
    assert check_accessibility(page, "catalogue-import-done") == []
    page.goto("/datasets/DACD900001/")
    assert "Browser-imported exomes" in page.get_by_role("heading", level=1).inner_text()
