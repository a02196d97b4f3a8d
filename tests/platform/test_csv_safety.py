"""The one helper every CSV writer uses against formula injection (issue 12, item 6)."""

from __future__ import annotations

import pytest

from dac_portal.csv_safety import restore_cell, safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        # A value that already starts with the escape is escaped too, so that the cell can
        # always be read back exactly (restore_cell).
        ("'quoted", "''quoted"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-1, "'-1"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_defused(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.parametrize(
    "value", ["=1", "+", "-", "@", "\tx", "\rx", "'", "''x", "plain", "", "x'=", "-5"]
)
def test_restore_cell_gives_back_exactly_what_was_written(value):
    assert restore_cell(safe_cell(value)) == value
