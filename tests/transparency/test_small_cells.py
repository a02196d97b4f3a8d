"""Small-cell suppression (transparency.disclosure): counts from 1 to 4 are never shown,
and no line of figures whose total is public has a single hidden count left to subtract."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transparency.disclosure import Cell, suppressed, suppressed_grid
from transparency.selectors import Breakdown
from transparency.stats_tables import breakdown_rows


def texts(rows: list[list[Cell]]) -> list[list[str]]:
    return [[cell.text for cell in row] for row in rows]


def test_a_small_count_alone_in_its_row_and_column_takes_partners_with_it():
    grid = [[3, 10], [7, 20]]
    assert texts(suppressed_grid(grid)) == [["< 5", "withheld"], ["withheld", "withheld"]]


def test_zeros_and_counts_of_five_or_more_are_shown_as_they_are():
    assert texts(suppressed_grid([[0, 5], [12, 0]])) == [["0", "5"], ["12", "0"]]


def test_a_line_whose_other_counts_are_zero_cannot_be_protected_and_is_left_alone():
    # 0 + x = 3 says x = 3 whatever is hidden: nothing else to withhold, and no loop.
    assert [c.text for c in suppressed([0, 3], [[0, 1]])] == ["0", "< 5"]


@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=1, max_size=6))
def test_no_row_or_column_is_left_with_one_hidden_count_among_non_zero_others(grid):
    cells = suppressed_grid(grid)
    for r, row in enumerate(grid):
        for c, n in enumerate(row):
            assert (cells[r][c].text == "< 5") == (0 < n < 5)
            assert cells[r][c].hidden or cells[r][c].value == n
    lines = [
        list(zip(row, cells_row, strict=True)) for row, cells_row in zip(grid, cells, strict=True)
    ]
    lines += [[(grid[r][c], cells[r][c]) for r in range(len(grid))] for c in range(3)]
    for line in lines:
        hidden = [n for n, cell in line if cell.hidden]
        shown_non_zero = [n for n, cell in line if not cell.hidden and n]
        assert len(hidden) != 1 or not shown_non_zero


def test_countries_with_fewer_than_five_requests_are_counted_together_unnamed():
    rows = [
        Breakdown("KE", 11, [11, 0]),
        Breakdown("MX", 3, [3, 0]),
        Breakdown("BR", 1, [0, 1]),
        Breakdown("DE", 6, [2, 4]),
    ]
    shown = breakdown_rows(rows, other_label="Other")
    assert [(row.label, row.other) for row in shown] == [
        ("KE", False),
        ("DE", False),
        ("Other", True),
    ]
    # The merged row names no one: its total is shown as it is. Its cells are withheld only
    # to protect Germany's 2 and 4, which its 3 and 1 would otherwise give back.
    assert [row.total.text for row in shown] == ["11", "6", "4"]
    assert [c.text for c in shown[1].per_committee] == ["< 5", "< 5"]
    assert [c.text for c in shown[2].per_committee] == ["< 5", "< 5"]
