"""The exact figures of the statistics as the public tables show them: every count through
the small-cell rules of transparency.disclosure, so that a table cannot undo what a chart
suppresses (a region's "< 5" is not the sum of its countries' exact counts).

The figures themselves (transparency.selectors.Figures, Breakdown) stay exact: they are
cached, compared and tested as numbers; only what reaches a page is shaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from django.utils.translation import gettext as _

from transparency.disclosure import (
    SMALL,
    Cell,
    count_cell,
    days_cell,
    percent_cell,
    suppressed,
    suppressed_grid,
)
from transparency.selectors import Breakdown, Figures, Statistics

# The counted columns of the table by committee, in the page's order.
COUNT_COLUMNS = ("submitted", "decided", "approved", "rejected", "withdrawn", "under_review")


@dataclass(frozen=True)
class FiguresRow:
    """One row of the table by committee (or the row of all committees)."""

    figures: Figures
    submitted: Cell
    decided: Cell
    approved: Cell
    rejected: Cell
    withdrawn: Cell
    under_review: Cell
    median_days: Cell
    p90_days: Cell
    within_target: Cell


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    other: bool  # the merged row of categories too small to name
    per_committee: list[Cell]
    total: Cell


def figures_rows(stats: Statistics) -> tuple[list[FiguresRow], FiguresRow]:
    """The committees' rows and the row of all of them. Each column adds up (near enough:
    a request spanning committees counts in each) to the last row, and approved + rejected
    to decided, so a small count alone in its column or pair takes a partner with it."""
    everyone = [*stats.committees, stats.overall]
    width = len(COUNT_COLUMNS)
    values = [getattr(f, name) for f in everyone for name in COUNT_COLUMNS]
    committees = len(stats.committees)
    columns = [[r * width + c for r in range(committees)] for c in range(width)]
    approved, rejected = COUNT_COLUMNS.index("approved"), COUNT_COLUMNS.index("rejected")
    pairs = [[r * width + approved, r * width + rejected] for r in range(len(everyone))]
    cells = suppressed(values, columns + pairs)
    rows = [_figures_row(f, cells[r * width : (r + 1) * width]) for r, f in enumerate(everyone)]
    return rows[:-1], rows[-1]


def _figures_row(figures: Figures, counts: Sequence[Cell]) -> FiguresRow:
    by_name = dict(zip(COUNT_COLUMNS, counts, strict=True))
    return FiguresRow(
        figures=figures,
        median_days=days_cell(figures.median_days, figures.timed),
        p90_days=days_cell(figures.p90_days, figures.timed),
        within_target=percent_cell(figures.within_target, figures.decided_with_due_date),
        **by_name,
    )


def committee_row(figures: Figures) -> FiguresRow:
    """A committee's turnaround on its own page: nothing on that page adds up to these
    counts, so each small one is suppressed alone."""
    return _figures_row(figures, [count_cell(getattr(figures, name)) for name in COUNT_COLUMNS])


def breakdown_rows(rows: Sequence[Breakdown], *, other_label: str) -> list[BreakdownRow]:
    """Applicants by country or institution type: categories with fewer than 5 requests in
    all become one row (named, they would say that someone there applied), then every
    row and column is protected as a grid whose totals are public."""
    named = [row for row in rows if row.total >= SMALL]
    small = [row for row in rows if row.total < SMALL]
    grid = [[*row.per_committee, row.total] for row in named]
    if small:
        merged = [sum(column) for column in zip(*(row.per_committee for row in small), strict=True)]
        grid.append([*merged, sum(row.total for row in small)])
    labels = [(row.label, False) for row in named] + ([(other_label, True)] if small else [])
    return [
        BreakdownRow(label, other, cells[:-1], cells[-1])
        for (label, other), cells in zip(
            labels, suppressed_grid(grid, unnamed_last_row=bool(small)), strict=True
        )
    ]


class StatisticsTables(TypedDict):
    committee_rows: list[FiguresRow]
    overall_row: FiguresRow
    country_rows: list[BreakdownRow]
    type_rows: list[BreakdownRow]


def statistics_tables(stats: Statistics) -> StatisticsTables:
    """The template context of the tables on /stats/."""
    committee_rows, overall_row = figures_rows(stats)
    return StatisticsTables(
        committee_rows=committee_rows,
        overall_row=overall_row,
        country_rows=breakdown_rows(
            stats.by_country, other_label=_("Other countries (fewer than 5 requests each)")
        ),
        type_rows=breakdown_rows(
            stats.by_type, other_label=_("Other types (fewer than 5 requests each)")
        ),
    )
