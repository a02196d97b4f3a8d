"""Small-cell suppression for every public figure on /stats/ (issue 20; docs/transparency.md,
"Small cells"): a count from 1 to 4 reads "< 5" in the charts, their tables, the tables by
committee and by applicant, and nothing beside it may give it back.

A suppressed count can be recovered by subtraction when it is the only one missing from a
row or column whose total is shown elsewhere (approved + rejected = decided; a country's
requests across committees = its total; a committee's requests across countries = its
submitted count in the table by committee). So a second, "complementary" cell is hidden
wherever one would stand alone, the way statistical offices protect published tables. And
categories (countries, institution types) with fewer than 5 requests in all are merged into
one "Other" row, so that their names alone do not say that someone there applied; that
row names no one, so its own counts are shown as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

SMALL = 5
SUPPRESSED = "< 5"
ABSENT = "—"


@dataclass(frozen=True)
class Cell:
    """A figure as a table and a chart show it: `value` None when suppressed or absent."""

    value: float | None
    text: str

    @property
    def plotted(self) -> bool:
        return self.value is not None and self.value > 0

    @property
    def hidden(self) -> bool:
        """Suppressed as small, or withheld because it would give a small one away."""
        return self.value is None and self.text != ABSENT


def withheld() -> Cell:
    """A count of 5 or more hidden only to protect a small one beside it: saying "< 5" would
    be untrue, and its real value would give the small one back."""
    return Cell(None, _("withheld"))


def is_small(n: int) -> bool:
    return 0 < n < SMALL


def count_cell(n: int) -> Cell:
    if is_small(n):
        return Cell(None, SUPPRESSED)
    return Cell(n, f"{n:,}")


def days_cell(days: float | None, base: int) -> Cell:
    """A median or percentile in days, shown only over at least SMALL requests."""
    if days is None or base < SMALL:
        return Cell(None, ABSENT)
    return Cell(days, f"{days:.1f}")


def percent_cell(part: int, whole: int) -> Cell:
    """A share, shown only over at least SMALL cases (3 of 4 would give both counts away)."""
    if whole < SMALL:
        return Cell(None, ABSENT)
    percent = round(100 * part / whole)
    return Cell(percent, f"{percent} %")


def pair_cells(first: int, second: int) -> tuple[Cell, Cell]:
    """Two counts whose sum is shown elsewhere: when one is small, both are hidden."""
    shown_first, shown_second = suppressed([first, second], [[0, 1]])
    return shown_first, shown_second


def _hidden(n: int) -> Cell:
    return count_cell(n) if is_small(n) or not n else withheld()


def suppressed(
    values: Sequence[int], lines: Sequence[Sequence[int]], *, named: Sequence[bool] = ()
) -> list[Cell]:
    """Cells for counts some of which add up to a public total: each line lists the indexes
    of values whose sum is known. The small ones are suppressed, unless `named` says a value
    names no one (a row counting small categories together); then, while a line has exactly
    one hidden value, its smallest other non-zero value is withheld too (a zero is known to
    be zero, so it protects nothing)."""
    named = named or [True] * len(values)
    hidden = [is_small(n) and name for n, name in zip(values, named, strict=True)]
    changed = True
    while changed:  # each pass hides one more value or stops, so this ends
        changed = False
        for line in lines:
            if sum(hidden[i] for i in line) != 1:
                continue
            partners = [(values[i], i) for i in line if values[i] and not hidden[i]]
            if partners:
                hidden[min(partners)[1]] = changed = True
    return [
        _hidden(n) if hide else count_cell(n) if name else Cell(n, f"{n:,}")
        for n, hide, name in zip(values, hidden, named, strict=True)
    ]


def suppressed_grid(
    grid: Sequence[Sequence[int]], *, unnamed_last_row: bool = False
) -> list[list[Cell]]:
    """A table of counts whose row totals and column totals are public (rows of equal
    length); with `unnamed_last_row`, the last row counts small categories together, so its
    own counts are shown (it names no one) but may be withheld to protect another."""
    width = len(grid[0]) if grid else 0
    values = [n for row in grid for n in row]
    rows = [list(range(r * width, (r + 1) * width)) for r in range(len(grid))]
    columns = [list(range(c, len(values), width)) for c in range(width)]
    named = [not (unnamed_last_row and i >= len(values) - width) for i in range(len(values))]
    cells = suppressed(values, rows + columns, named=named)
    return [cells[r * width : (r + 1) * width] for r in range(len(grid))]
