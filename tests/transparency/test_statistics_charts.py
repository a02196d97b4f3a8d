"""The statistics charts (issue 20) on a known set of requests far from the demo's, so that
every plotted value is computed by hand: requests per quarter, days to decision against the
committee's target, and outcomes by WHO region and income group, with counts below 5
neither shown nor plotted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.test import Client
from django_countries.data import COUNTRIES

from access_requests import services
from access_requests.review import services as review_services
from accounts.models import WhoRegion
from tests.access_requests.conftest import decide
from transparency import charts, selectors
from transparency.country_groups import INCOME_OF, REGION_OF, IncomeGroup, income_group, who_region
from transparency.rollup import rollup_refresh

pytestmark = pytest.mark.django_db

# Two years ahead of the demo data, so that none of it falls in the window.
START = dt.datetime(2028, 5, 1, 12, tzinfo=dt.UTC)
NOW = START + dt.timedelta(days=100)


@pytest.fixture
def known_set(request_at, researcher1, researcher2):
    """From Kenya (researcher1): 6 approved after 1…6 days and 5 rejected after 10. From
    Mexico (researcher2): 2 approved after 2 and 3 days, 1 rejected after 10."""
    made = []
    for i, days in enumerate([1, 2, 3, 4, 5, 6]):
        made.append(request_at(researcher1, START + dt.timedelta(hours=i), "approved", days))
    for i in range(5):
        made.append(request_at(researcher1, START + dt.timedelta(hours=10 + i), "rejected", 10))
    made.append(request_at(researcher2, START, "approved", 2))
    made.append(request_at(researcher2, START, "approved", 3))
    made.append(request_at(researcher2, START, "rejected", 10))
    return made


def stats() -> selectors.Statistics:
    return selectors.statistics(now=NOW)


def plotted(page: str, chart: str) -> dict[str, list[str]]:
    """The data-value of each bar of one chart, by series, as drawn in the page."""
    start = page.index(f'data-testid="chart-{chart}"')
    svg = page[start : page.index("</svg>", start)]
    values: dict[str, list[str]] = {}
    for series, value in re.findall(r'data-series="(\w+)" data-value="([\d.]+)"', svg):
        values.setdefault(series, []).append(value)
    return values


def test_countries_fall_in_their_who_region_and_income_group():
    assert (who_region("KE"), income_group("KE")) == ("AFR", "LMC")
    assert (who_region("MX"), income_group("MX")) == ("AMR", "UMC")
    assert (who_region("de"), income_group("DE")) == ("EUR", "HIC")
    assert (who_region("IN"), income_group("IN")) == ("SEAR", "LMC")
    assert (who_region("CN"), income_group("CN")) == ("WPR", "UMC")
    assert (who_region("EG"), income_group("ET")) == ("EMR", "LIC")
    assert (who_region("XX"), income_group("XX")) == ("", "")


@pytest.mark.parametrize(
    ("country", "region", "group"),
    [
        ("ID", "WPR", "UMC"),  # Western Pacific since WHA78 (May 2025)
        ("IR", "EMR", "UMC"),  # upper-middle since FY2025
        ("PW", "WPR", "HIC"),  # high since FY2025
        ("CR", "AMR", "HIC"),  # the FY2026 moves: Costa Rica up to high…
        ("CV", "AFR", "UMC"),  # …Cabo Verde and Samoa up to upper-middle…
        ("WS", "WPR", "UMC"),
        ("NA", "AFR", "LMC"),  # …Namibia down to lower-middle
        ("HK", "WPR", "HIC"),  # part of China for WHO, an economy of its own for the WB
        ("PR", "AMR", "HIC"),  # an associate member of WHO
        ("PS", "EMR", "LMC"),
        ("JE", "EUR", "HIC"),  # the World Bank's "Channel Islands"
        ("RE", "AFR", "HIC"),  # France's overseas department, in France's figures
        ("VE", "AMR", ""),  # not classified by income since FY2022
        ("TW", "", "HIC"),
        ("AQ", "", ""),
    ],
)
def test_known_countries_have_their_fy2026_group_and_current_region(country, region, group):
    assert (who_region(country), income_group(country)) == (region, group)


def test_every_member_state_has_a_region_and_every_code_is_a_known_group():
    member_states = {
        region: sum(1 for r in REGION_OF.values() if r == region) for region in WhoRegion.values
    }
    # Members and associate members at least (47, 35 + 1, 10, 53, 21 + 1, 28), areas besides.
    assert member_states["SEAR"] == 10 and member_states["EMR"] == 22
    assert set(REGION_OF.values()) <= set(WhoRegion.values)
    assert set(INCOME_OF.values()) <= set(IncomeGroup.values)
    assert set(REGION_OF) | set(INCOME_OF) <= set(COUNTRIES) | {"XK"}  # Kosovo: the WB's
    assert sum(1 for g in INCOME_OF.values() if g == "LIC") == 26  # as the WB counts FY2026


def test_small_counts_read_less_than_five_and_hide_their_partner():
    assert charts.count_cell(0).text == "0" and charts.count_cell(5).text == "5"
    assert charts.count_cell(4) == charts.Cell(None, "< 5")
    assert charts.pair_cells(6, 5) == (charts.Cell(6, "6"), charts.Cell(5, "5"))
    # The partner of a small count is withheld, not called small: it is not.
    assert charts.pair_cells(12, 3) == (charts.Cell(None, "withheld"), charts.Cell(None, "< 5"))
    assert charts.pair_cells(0, 3) == (charts.Cell(0, "0"), charts.Cell(None, "< 5"))
    assert charts.days_cell(4.5, 4) == charts.Cell(None, "—")


def test_outcomes_by_region_and_income_group_are_the_hand_counted_ones(known_set):
    for grouping in ("region", "income"):
        kenya, mexico = stats().equity[grouping]
        assert kenya.label in ("African Region", "Lower-middle income")
        assert [
            c.text for c in (kenya.submitted, kenya.decided, kenya.approved, kenya.rejected)
        ] == [
            "11",
            "11",
            "6",
            "5",
        ]
        assert kenya.approval_percent == "55 %"  # 6 of 11
        assert kenya.median_days.text == "6.0"  # 1 2 3 4 5 [6] 10 10 10 10 10
        assert [c.text for c in (mexico.submitted, mexico.approved, mexico.rejected)] == ["< 5"] * 3
        assert mexico.approval_percent == "—" and mexico.median_days.text == "—"


def test_the_charts_plot_exactly_the_hand_computed_values(client: Client, known_set):
    with time_machine.travel(NOW, tick=False):
        page = client.get("/stats/").content.decode()
    assert plotted(page, "region") == {"approved": ["6"], "rejected": ["5"]}  # Mexico: < 5
    assert plotted(page, "income") == {"approved": ["6"], "rejected": ["5"]}
    # 14 submitted and decided, all in 2028 Q2; the window's other quarters are empty.
    assert plotted(page, "quarters") == {"submitted": ["14"], "decided": ["14"]}
    quarters = stats().charts["quarters"]
    assert [row.label for row in quarters.rows] == [
        "2027 Q3",
        "2027 Q4",
        "2028 Q1",
        "2028 Q2",
        "2028 Q3",
    ]
    # Durations 1 2 2 3 3 4 5 | 6 10 10 10 10 10 10: median 5.5, 90th percentile 10.
    assert plotted(page, "turnaround") == {"median": ["5.5"], "p90": ["10.0"]}
    (mark,) = stats().charts["turnaround"].targets[-1:]
    small = [r for r in stats().charts["turnaround"].rows if r.label == "Small Test Committee"]
    assert small[0].target == 7.0 and mark[0] < charts.WIDTH
    for table in ("chart-quarters-table", "chart-turnaround-table", "equity-region"):
        assert f'data-testid="{table}"' in page
    assert "<caption" in page and 'role="img"' in page and "<desc id=" in page


def test_the_charts_are_the_same_with_and_without_the_rollup(known_set):
    before = stats()
    with time_machine.travel(NOW, tick=False):
        rollup_refresh(NOW, force=True)
    after = stats()
    for key in ("quarters", "turnaround", "region", "income"):
        assert after.charts[key].rows == before.charts[key].rows, key
    assert after.equity == before.equity


def test_bars_are_proportional_and_stay_inside_the_chart():
    chart = charts.laid_out(
        charts.Chart(
            "t",
            "T",
            "D",
            (("median", "Median"), ("p90", "P90")),
            [charts.Row("A", (charts.Cell(5, "5"), charts.Cell(10, "10")), target=20.0)],
        )
    )
    short, long = chart.bars
    assert long.width == pytest.approx(2 * short.width)
    assert chart.targets[0][0] == charts.WIDTH - charts.VALUE_WIDTH  # the largest value
    assert short.x == long.x == 0 and long.text_x > long.width


def test_time_to_first_response_is_the_decision_when_no_changes_were_asked(
    client: Client, known_set
):
    with time_machine.travel(NOW, tick=False):
        page = client.get("/stats/").content.decode()
    assert plotted(page, "response") == {"median": ["5.5"], "p90": ["10.0"]}
    assert all(r.first_response_at == r.decided_at for r in known_set)


def test_a_request_for_changes_is_the_first_response_and_the_decision_keeps_it(
    request_at, researcher1, chair1
):
    request = request_at(researcher1, START)
    asked = START + dt.timedelta(days=2)
    with time_machine.travel(asked, tick=False):
        review_services.access_request_request_changes(
            access_request=request, message="Say how results will be published.", actor=chair1
        )
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        services.access_request_resubmit(access_request=request, actor=researcher1)
    with time_machine.travel(START + dt.timedelta(days=6), tick=False):
        review_services.access_request_vote(
            access_request=request, vote="approve", rationale="Fine now.", actor=chair1
        )
        decide(request, chair1, "approved")
    request.refresh_from_db()
    assert request.first_response_at == asked
    assert request.decided_at == START + dt.timedelta(days=6)
    small = next(f for f in stats().committees if f.committee and f.committee.slug == "small-dac")
    assert (small.responded, small.timed) == (1, 1)
    assert (small.response_median_days, small.median_days) == (2.0, 6.0)


def test_the_tables_by_committee_and_applicant_cannot_undo_the_charts_suppression(
    client: Client, known_set
):
    """Mexico's 3 requests are "< 5" in the charts; the tables beside them must not show 3
    under Mexico (or 2 and 1 under approved and rejected) for anyone to add up."""
    with time_machine.travel(NOW, tick=False):
        page = client.get("/stats/").content.decode()
    start = page.index('data-testid="stats-country"')
    countries = page[start : page.index("</table>", start)]
    assert "Mexico" not in countries and "Other countries (fewer than 5 requests each)" in countries
    # The merged row names no country, so its 3 is shown as it is.
    assert re.search(r"Kenya</th>\s*<td>0</td><td>0</td><td>11</td>\s*<td>11</td>", countries)
    assert re.search(r"each\)</th>\s*<td>0</td><td>0</td><td>3</td>\s*<td>3</td>", countries)
    start = page.index('data-testid="stats-requests"')
    by_committee = page[start : page.index("</table>", start)]
    # 14 submitted, 8 approved and 6 rejected by the small committee: nothing small there.
    assert re.search(r"Small Test Committee</a></th>\s*<td>14</td>\s*<td>14</td>", by_committee)


def test_a_committee_with_five_decisions_or_more_shows_its_median_and_share(
    client: Client, known_set
):
    with time_machine.travel(NOW, tick=False):
        page = client.get("/committees/small-dac/").content.decode()
    assert "Not shown" not in page
    assert "<dd>5.5</dd>" in page  # 14 decisions: 1 2 3 4 5 [6] 10 … and Mexico's 2 3 10
    assert "57% (8 of 14)" in page


def test_the_statistics_csv_says_what_the_page_says_small_counts_included(
    client: Client, known_set
):
    with time_machine.travel(NOW, tick=False):
        response = client.get("/stats/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    value = {(r["table"], r["group"], r["measure"]): r["value"] for r in rows}
    assert value[("by_committee", "small-dac", "submitted")] == "14"
    assert value[("applicants_by_country", "KE", "small-dac")] == "11"
    assert value[("applicants_by_country", "other", "all")] == "3"  # Mexico, unnamed
    assert value[("outcomes_by_region", "African Region", "approved")] == "6"
    assert value[("outcomes_by_region", "Region of the Americas", "approved")] == "< 5"
    assert not any(r["group"] == "MX" for r in rows)


def test_an_unknown_statistics_format_is_a_400(client: Client):
    assert client.get("/stats/?format=xml").status_code == 400


def test_chart_coordinates_stay_plain_numbers_in_every_language(client: Client, known_set):
    """Localised, 12.5 would read "12,5" (French) or "12٫5" (Arabic): no SVG coordinate."""
    for language in ("fr", "ar", "ru", "es", "zh-hans"):
        with time_machine.travel(NOW, tick=False):
            page = client.get("/stats/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        start = page.index('data-testid="chart-region"')
        svg = page[start : page.index("</svg>", start)]
        values = re.findall(r'\s(?:x|y|width|x1|y1|x2|y2)="([^"]*)"', svg)
        assert values, language
        assert all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values), (language, values[:10])
        assert plotted(page, "region") == {"approved": ["6"], "rejected": ["5"]}, language
