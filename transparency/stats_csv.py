"""Every figure of /stats/ as one CSV (`/stats/?format=csv`; issue 20): one row per figure,
`table,group,measure,value`, with exactly the text the page shows, so small counts read
"< 5" (or "withheld", or "—") in the download as in the charts and tables.

Long rather than wide, so that a spreadsheet or a script filters it by table and measure
whatever the number of committees or countries; values are the page's text, never the
exact figures behind a suppressed cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpResponse

from dac_portal.csv_safety import safe_cell
from transparency.selectors import Statistics
from transparency.stats_tables import (
    COUNT_COLUMNS,
    BreakdownRow,
    FiguresRow,
    statistics_tables,
)

HEADER = ("table", "group", "measure", "value")
FIGURE_MEASURES = (*COUNT_COLUMNS, "median_days", "p90_days", "within_target")
EQUITY_MEASURES = ("submitted", "decided", "approved", "rejected", "median_days")

Line = tuple[str, str, str, str]


def _figures(rows: list[FiguresRow]) -> Iterator[Line]:
    for row in rows:
        slug = row.figures.committee.slug if row.figures.committee else "all"
        for measure in FIGURE_MEASURES:
            yield ("by_committee", slug, measure, getattr(row, measure).text)


def _applicants(table: str, rows: list[BreakdownRow], slugs: list[str]) -> Iterator[Line]:
    for row in rows:
        group = "other" if row.other else row.label
        for slug, cell in zip(slugs, row.per_committee, strict=True):
            yield (table, group, slug, cell.text)
        yield (table, group, "all", row.total.text)


def _charts(stats: Statistics) -> Iterator[Line]:
    for key in ("quarters", "turnaround", "response"):
        chart = stats.charts[key]
        for row in chart.rows:
            for (series, _legend), cell in zip(chart.series, row.cells, strict=True):
                yield (key, row.label, series, cell.text)
    for grouping, rows in stats.equity.items():
        for equity in rows:
            for measure in EQUITY_MEASURES:
                yield (
                    f"outcomes_by_{grouping}",
                    equity.label,
                    measure,
                    getattr(equity, measure).text,
                )
            yield (
                f"outcomes_by_{grouping}",
                equity.label,
                "approved_share",
                equity.approval_percent,
            )


def _publications(stats: Statistics) -> Iterator[Line]:
    for row in stats.publications:
        for measure in ("publications", "findings", "results_returned"):
            yield ("publications", row.accession, measure, str(getattr(row, measure)))


def statistics_lines(stats: Statistics) -> Iterator[Line]:
    tables = statistics_tables(stats)
    slugs = [f.committee.slug for f in stats.committees if f.committee is not None]
    yield from _figures([*tables["committee_rows"], tables["overall_row"]])
    yield from _applicants("applicants_by_country", tables["country_rows"], slugs)
    yield from _applicants("applicants_by_type", tables["type_rows"], slugs)
    yield from _charts(stats)
    yield from _publications(stats)


def statistics_csv(stats: Statistics) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    writer = csv.writer(response)
    writer.writerow(HEADER)
    for line in statistics_lines(stats):
        # Committee and dataset names are typed by people: formula-safe cells.
        writer.writerow([safe_cell(value) for value in line])
    response["Content-Disposition"] = 'attachment; filename="statistics.csv"'
    return response
