"""The statistics page's charts (issue 20; docs/statistics.md): what each plots, with small
cells suppressed, and where every bar goes, so that the template only draws.

Charts are server-rendered SVG: no script, no style attribute (the page runs under a strict
Content-Security-Policy), a title and description for screen readers, and a data table with
exactly the plotted values beside each. A count from 1 to 4 is never shown or plotted: it
reads "< 5", and where a total beside it would give it away (approved + rejected =
decided), its partner is suppressed too. A median or percentile of fewer than 5 requests is
not shown either.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import WhoRegion
from transparency.country_groups import IncomeGroup, income_group, who_region
from transparency.disclosure import (
    ABSENT,
    Cell,
    count_cell,
    days_cell,
    pair_cells,
    percent_cell,
)
from transparency.rollup import Tally, percentile, quarter_start

# Geometry of every chart, in SVG user units (the viewBox scales it to the page's width).
# Each row's label sits above its bars, so that long committee names fit on a phone.
WIDTH, VALUE_WIDTH, LABEL_HEIGHT = 480, 50, 16
BAR, GAP, ROW_GAP = 14, 3, 12


@dataclass(frozen=True)
class Bar:
    series: str
    cell: Cell
    x: float
    y: float
    width: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    target: float | None = None  # a committee's target, drawn as a mark across its bars


@dataclass
class Chart:
    key: str
    title: str
    description: str
    series: tuple[tuple[str, str], ...]  # (css modifier, legend text)
    rows: list[Row]
    height: float = 0
    label_y: list[tuple[str, float]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    targets: list[tuple[float, float, float, float]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing shown at all (every figure suppressed or absent); zeros are shown."""
        return all(cell.value is None for row in self.rows for cell in row.cells)


def laid_out(chart: Chart) -> Chart:
    """Place every bar: a label line, then one bar per series, lengths to the chart's
    largest value (targets included, so that a mark never falls off the plot)."""
    values = [c.value for row in chart.rows for c in row.cells if c.value is not None]
    values += [row.target for row in chart.rows if row.target is not None]
    top = max(values, default=1) or 1
    plot = WIDTH - VALUE_WIDTH
    y = 0.0
    for row in chart.rows:
        chart.label_y.append((row.label, y + LABEL_HEIGHT - 4))
        y += LABEL_HEIGHT
        band = len(row.cells) * (BAR + GAP)
        for i, (cell, (series, _legend)) in enumerate(zip(row.cells, chart.series, strict=True)):
            length = round(plot * (cell.value or 0) / top, 1) if cell.plotted else 0
            top_y = y + i * (BAR + GAP)
            chart.bars.append(
                Bar(series, cell, 0, top_y, length, round(length + 4, 1), top_y + BAR - 3)
            )
        if row.target:
            x = round(plot * row.target / top, 1)
            chart.targets.append((x, y - 2, x, y + band))
        y += band + ROW_GAP
    chart.height = max(y, 20)
    return chart


# -- the charts ---------------------------------------------------------------------------------


def quarter_label(start: dt.date) -> str:
    return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": (start.month + 2) // 3}


def quarters_chart(
    counts: Counter[tuple[dt.date, str]], since: dt.datetime, until: dt.datetime
) -> Chart:
    """Every calendar quarter the window touches, oldest first, empty ones included."""
    start, last = quarter_start(since.date()), quarter_start(until.date())
    rows = []
    while start <= last:
        submitted, decided = counts[(start, "submitted")], counts[(start, "decided")]
        rows.append(Row(quarter_label(start), (count_cell(submitted), count_cell(decided))))
        start = quarter_start(start + dt.timedelta(days=92))
    return laid_out(
        Chart(
            "quarters",
            _("Requests per quarter"),
            _(
                "Requests submitted and requests decided in each calendar quarter of the last "
                "12 months (the first and last quarters are partial)."
            ),
            (("submitted", _("Submitted")), ("decided", _("Decided"))),
            rows,
        )
    )


# (committee name, median, 90th percentile, how many requests they are of, target days)
Turnaround = tuple[str, float | None, float | None, int, int]


def turnaround_chart(turnaround: Iterable[Turnaround], *, first_response: bool = False) -> Chart:
    """Days to decision (or, `first_response`, to the committee's first answer: a request
    for changes or the decision) per committee, against the committee's target."""
    rows = [
        Row(name, (days_cell(median, n), days_cell(p90, n)), target=float(target))
        for name, median, p90, n, target in turnaround
    ]
    if first_response:
        key, title = "response", _("Days to first response against each committee's target")
        description = _(
            "For each committee, the median and the 90th percentile of days from a request "
            "reaching it to its first answer (a request for changes or the decision), in the "
            "last 12 months; the mark is the committee's target for a decision. Fewer than 5 "
            "requests: not shown."
        )
    else:
        key, title = "turnaround", _("Days to decision against each committee's target")
        description = _(
            "For each committee, the median and the 90th percentile of days from a request "
            "reaching it to its decision, in the last 12 months; the mark is the committee's "
            "target. Fewer than 5 decisions: not shown."
        )
    series = (("median", _("Median days")), ("p90", _("90th percentile days")))
    return laid_out(Chart(key, title, description, series, rows))


@dataclass(frozen=True)
class EquityRow:
    label: str
    submitted: Cell
    decided: Cell
    approved: Cell
    rejected: Cell
    approval_percent: str
    median_days: Cell


EQUITY_GROUPINGS = {
    "region": (who_region, WhoRegion),
    "income": (income_group, IncomeGroup),
}


def equity_rows(tally: Tally, grouping: str) -> list[EquityRow]:
    """Outcomes and turnaround of each group of applicants' countries (each request once)."""
    group_of, choices = EQUITY_GROUPINGS[grouping]
    counts: Counter[tuple[str, str]] = Counter()
    durations: dict[str, Counter[int]] = {}
    for (country, measure), n in tally.by_country.items():
        counts[(group_of(country), measure)] += n
    for country, histogram in tally.country_durations.items():
        durations.setdefault(group_of(country), Counter()).update(histogram)
    labels = {str(value): str(label) for value, label in choices.choices}
    rows = []
    for group in [*labels, ""]:
        submitted, decided = counts[(group, "submitted")], counts[(group, "decided")]
        approved, rejected = counts[(group, "approved")], counts[(group, "rejected")]
        if not (submitted or decided):
            continue
        approved_cell, rejected_cell = pair_cells(approved, rejected)
        # The share would give a hidden approved count back: shown only beside it.
        share = percent_cell(approved, decided).text if approved_cell.value is not None else ABSENT
        histogram = durations.get(group, Counter())
        rows.append(
            EquityRow(
                labels.get(group, str(gettext_lazy("Not classified"))),
                count_cell(submitted),
                count_cell(decided),
                approved_cell,
                rejected_cell,
                share,
                days_cell(percentile(histogram, 0.5), sum(histogram.values())),
            )
        )
    return rows


def equity_chart(rows: list[EquityRow], grouping: str) -> Chart:
    title = {
        "region": _("Outcomes by WHO region of the applicant's institution"),
        "income": _("Outcomes by World Bank income group of the applicant's institution"),
    }[grouping]
    return laid_out(
        Chart(
            grouping,
            title,
            _(
                "Requests approved and rejected in the last 12 months, by where the applicant's "
                "institution is. Counts below 5 are not shown."
            ),
            (("approved", _("Approved")), ("rejected", _("Rejected"))),
            [Row(row.label, (row.approved, row.rejected)) for row in rows],
        )
    )
