"""The statistics rollup: the public figures counted per UTC day, and how a page adds them up
(docs/adr/0015-statistics-rollup.md).

A figure of the last 12 months is a sum over days. Every day before the rollup's horizon
(`RollupState.complete_until`, the last refresh's midnight) is read from `DailyFigure`, a
few rows per committee and day; what happened since the horizon is counted from the
requests themselves, through the indexes on the three dates (little: today's activity).
So a page costs the same at a thousand requests and at a million, and shows a decision the
moment it is recorded. Without a rollup (a new portal, the tests) everything is counted
from the requests, exactly as before.

Each measure is defined once, in MEASURES, and both the refresh (per day) and the page
(since the horizon) count it from that definition. A change to a past day (an appeal
overturning a rejection moves the request from "rejected" to "approved") reaches the rollup
at the next refresh: at most a day late (the job's staleness, stated on the page's
documentation). Turnaround percentiles are read from a histogram of days in tenths of a
day, interpolated as PostgreSQL's percentile_cont over those values: the page shows days to
one decimal, so the figure moves by at most half a tenth.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from access_requests.models import AccessRequest, CommitteeRoute, RequestStatus
from transparency.models import DailyFigure, RollupState

# An approved use stays approved once its grants have ended (closed).
APPROVED_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLOSED)
DECIDED_STATUSES = (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CLOSED)
TIMED = "timed"
RESPONDED = "responded"
EQUITY_MEASURES = ("submitted", "decided", "approved", "rejected")
BULK_SIZE = 5000

CommitteeKey = tuple[int | None, bool]  # (committee id, lead)


@dataclass(frozen=True)
class Measure:
    """A count of requests on the day of `date_field`, among those `condition` admits
    (`condition(prefix)`: the prefix reaches the request from a committee route)."""

    name: str
    date_field: str
    condition: Callable[[str], Q]


def _on(prefix: str, **lookups: Any) -> Q:
    return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})


def _decided(prefix: str, **more: Any) -> Q:
    return _on(prefix, status__in=DECIDED_STATUSES, **more)


MEASURES: tuple[Measure, ...] = (
    Measure("submitted", "submitted_at", lambda p: Q()),
    Measure("decided", "decided_at", _decided),
    Measure("approved", "decided_at", lambda p: _on(p, status__in=APPROVED_STATUSES)),
    Measure("rejected", "decided_at", lambda p: _on(p, status=RequestStatus.REJECTED)),
    Measure("withdrawn", "withdrawn_at", lambda p: Q()),
    Measure(
        "decided_with_due_date", "decided_at", lambda p: _decided(p, review_due_at__isnull=False)
    ),
    Measure(
        "within_target",
        "decided_at",
        lambda p: _decided(p, decided_at__lte=F(f"{p}review_due_at")),
    ),
    # The base of the percentiles: counted by days from routing to decision (`tenths`).
    Measure(TIMED, "decided_at", lambda p: _decided(p, routed_at__isnull=False)),
    # …and of time to first response: days from routing to the committee's first answer.
    Measure(RESPONDED, "first_response_at", lambda p: _on(p, routed_at__isnull=False)),
)
# The measures counted by days in tenths, and the date each one's duration ends at.
HISTOGRAMS = {TIMED: "decided_at", RESPONDED: "first_response_at"}
DATE_FIELDS = sorted({m.date_field for m in MEASURES})


class Tenths(Func):
    """Days from routing to decision (or to `end`), in whole tenths of a day (rounded)."""

    output_field = IntegerField()

    def __init__(self, prefix: str, end: str = "decided_at") -> None:
        super().__init__(F(f"{prefix}{end}"), F(f"{prefix}routed_at"))

    def _operands(self, compiler: Any) -> tuple[str, str, tuple[Any, ...]]:
        (decided, decided_params), (routed, routed_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return decided, routed, (*decided_params, *routed_params)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        decided, routed, params = self._operands(compiler)
        return f"ROUND(EXTRACT(EPOCH FROM ({decided} - {routed})) / 8640)::integer", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        decided, routed, params = self._operands(compiler)
        days = f"(julianday({decided}) - julianday({routed}))"
        return f"CAST(ROUND({days} * 10) AS INTEGER)", params


@dataclass(frozen=True)
class Source:
    """Where requests are counted from: the requests themselves, each for its lead committee
    (`lead`), or the later committee routes of requests spanning committees."""

    lead: bool

    @property
    def prefix(self) -> str:
        return "" if self.lead else "access_request__"

    def queryset(self) -> QuerySet[Any]:
        # Drafts are private work in progress: they never count.
        if self.lead:
            return AccessRequest.objects.exclude(status=RequestStatus.DRAFT)
        return CommitteeRoute.objects.filter(position__gt=0).exclude(
            access_request__status=RequestStatus.DRAFT
        )

    def keys(self) -> dict[str, Any]:
        p = self.prefix
        return {
            "key_committee": F("committee_id"),
            "key_country": Coalesce(F(f"{p}institution__country"), Value("")),
            "key_type": Coalesce(F(f"{p}institution__type"), Value("")),
        }


SOURCES = (Source(lead=True), Source(lead=False))


@dataclass
class Tally:
    """Counts of a window, keyed by (committee id, lead): per measure, applicants per
    (country, type), durations per tenth of a day, and the requests under review now."""

    counts: Counter[tuple[int | None, bool, str]] = field(default_factory=Counter)
    applicants: Counter[tuple[int | None, bool, str, str]] = field(default_factory=Counter)
    durations: dict[CommitteeKey, Counter[int]] = field(default_factory=dict)
    under_review: Counter[CommitteeKey] = field(default_factory=Counter)
    # Each request once (its lead committee's rows), by the applicant's country: the equity
    # charts' outcomes, and their days to decision in tenths.
    by_country: Counter[tuple[str, str]] = field(default_factory=Counter)
    country_durations: dict[str, Counter[int]] = field(default_factory=dict)
    # Days from routing to the first answer, in tenths, as `durations`.
    response_durations: dict[CommitteeKey, Counter[int]] = field(default_factory=dict)

    def add(self, committee: int | None, lead: bool, measure: str, row: dict[str, Any]) -> None:
        n = row["n"]
        if not n:
            return
        if measure == TIMED:
            self.durations.setdefault((committee, lead), Counter())[row["tenths"]] += n
        elif measure == RESPONDED:
            self.response_durations.setdefault((committee, lead), Counter())[row["tenths"]] += n
        self.counts[(committee, lead, measure)] += n
        if lead and "country" in row:
            country = row["country"] or ""
            if measure == TIMED:
                self.country_durations.setdefault(country, Counter())[row["tenths"]] += n
            elif measure in EQUITY_MEASURES:
                self.by_country[(country, measure)] += n
        if measure == "submitted":
            self.applicants[(committee, lead, row["country"], row["type"])] += n

    def measure(self, name: str, committee: int | None) -> int:
        return sum(self.counts[(committee, lead, name)] for lead in (True, False))

    def overall(self, name: str) -> int:
        return sum(n for (_, lead, measure), n in self.counts.items() if lead and measure == name)

    def histogram(
        self, committee: int | None = None, *, overall: bool = False, response: bool = False
    ) -> Counter[int]:
        merged: Counter[int] = Counter()
        source = self.response_durations if response else self.durations
        for (owner, lead), counts in source.items():
            if (overall and lead) or (not overall and owner == committee):
                merged.update(counts)
        return merged


def percentile(histogram: Counter[int], fraction: float) -> float | None:
    """The percentile of the durations in days, interpolated between the two nearest ranks
    as percentile_cont does, over values held as (tenths → how many)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    low = math.floor(position)
    values = _ranked(histogram, (low, min(low + 1, total - 1)))
    result = values[0] + (values[1] - values[0]) * (position - low)
    return round(result / 10, 1)


def _ranked(histogram: Counter[int], ranks: tuple[int, int]) -> tuple[int, int]:
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and ranks[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    return found[0], found[1]


# -- the refresh (a job) -------------------------------------------------------------------------


def _midnight(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.astimezone(dt.UTC).date(), dt.time(), tzinfo=dt.UTC)


def _daily_rows(source: Source, measure: Measure, until: dt.datetime) -> Iterable[DailyFigure]:
    p = source.prefix
    keys = source.keys()
    keys["key_day"] = TruncDate(f"{p}{measure.date_field}", tzinfo=dt.UTC)
    if measure.name in HISTOGRAMS:
        keys["key_tenths"] = Tenths(p, HISTOGRAMS[measure.name])
    rows = (
        source.queryset()
        .filter(**{f"{p}{measure.date_field}__lt": until})
        .filter(measure.condition(p))
        .values(**keys)
        .order_by()
        .annotate(n=Count("pk"))
    )
    for row in rows.iterator(chunk_size=BULK_SIZE):
        yield DailyFigure(
            day=row["key_day"],
            committee_id=row["key_committee"],
            lead=source.lead,
            measure=measure.name,
            country=row["key_country"],
            institution_type=row["key_type"],
            tenths=row.get("key_tenths"),
            count=row["n"],
        )


def rollup_refresh(now: dt.datetime, *, force: bool = False) -> dict[str, Any]:
    """Count every day before today's UTC midnight again, in one transaction (readers see
    the old rollup until it commits). Nothing to do when the rollup already ends today,
    unless `force`."""
    until = _midnight(now)
    with transaction.atomic():
        state = RollupState.objects.select_for_update().filter(pk=1).first()
        if state is not None and state.complete_until >= until.date() and not force:
            return {"refreshed": False, "complete_until": state.complete_until.isoformat()}
        DailyFigure.objects.all().delete()
        created = 0
        for source in SOURCES:
            for measure in MEASURES:
                batch = list(_daily_rows(source, measure, until))
                DailyFigure.objects.bulk_create(batch, batch_size=BULK_SIZE)
                created += len(batch)
        RollupState.objects.update_or_create(
            pk=1, defaults={"complete_until": until.date(), "refreshed_at": now}
        )
    return {"refreshed": True, "complete_until": until.date().isoformat(), "rows": created}


# -- what a page reads ---------------------------------------------------------------------------


def horizon() -> dt.datetime | None:
    """Midnight (UTC) of the first day the rollup does not hold, or None without a rollup."""
    state = RollupState.objects.filter(pk=1).first()
    if state is None:
        return None
    return dt.datetime.combine(state.complete_until, dt.time(), tzinfo=dt.UTC)


def window_tally(*, since: dt.datetime, committee: int | None = None) -> Tally:
    """The counts from `since` to now, of every committee or of one: whole days from the
    rollup up to its horizon (the first day counted whole), the rest from the requests."""
    tally = Tally()
    edge = horizon()
    if edge is not None and edge > since:
        _add_rollup(tally, since.astimezone(dt.UTC).date(), edge.date(), committee)
        start = edge
    else:
        start = since
    for source in SOURCES:
        _add_live(tally, source, start, committee)
        _add_under_review(tally, source, committee)
    return tally


def _add_rollup(tally: Tally, first: dt.date, until: dt.date, committee: int | None) -> None:
    rows = DailyFigure.objects.filter(day__gte=first, day__lt=until)
    if committee is not None:
        rows = rows.filter(committee_id=committee)
    for row in (
        rows.values("committee_id", "lead", "measure", "country", "institution_type", "tenths")
        .order_by()
        .annotate(n=Sum("count"))
    ):
        tally.add(
            row["committee_id"],
            row["lead"],
            row["measure"],
            {**row, "type": row["institution_type"]},
        )


def _touched_since(source: Source, start: dt.datetime, committee: int | None) -> QuerySet[Any]:
    """Rows with any of the measured dates on or after `start`: read through one index per
    date, whatever the table's size."""
    p = source.prefix
    touched = Q()
    for name in DATE_FIELDS:
        touched |= Q(**{f"{p}{name}__gte": start})
    rows = source.queryset().filter(touched)
    return rows if committee is None else rows.filter(committee_id=committee)


def _add_live(tally: Tally, source: Source, start: dt.datetime, committee: int | None) -> None:
    p = source.prefix
    rows = _touched_since(source, start, committee)

    def in_window(measure: Measure) -> Q:
        return Q(**{f"{p}{measure.date_field}__gte": start}) & measure.condition(p)

    counts = {
        m.name: Count("pk", filter=in_window(m)) for m in MEASURES if m.name not in HISTOGRAMS
    }
    for row in rows.values(**source.keys()).order_by().annotate(**counts):
        for name in counts:
            tally.add(
                row["key_committee"],
                source.lead,
                name,
                {"n": row[name], "country": row["key_country"], "type": row["key_type"]},
            )
    keys = source.keys()
    for timed in (m for m in MEASURES if m.name in HISTOGRAMS):
        tenths = Tenths(p, HISTOGRAMS[timed.name])
        for row in (
            rows.filter(in_window(timed))
            .values(
                key_committee=F("committee_id"), key_tenths=tenths, key_country=keys["key_country"]
            )
            .order_by()
            .annotate(n=Count("pk"))
        ):
            tally.add(
                row["key_committee"],
                source.lead,
                timed.name,
                {"n": row["n"], "tenths": row["key_tenths"], "country": row["key_country"]},
            )


def _add_under_review(tally: Tally, source: Source, committee: int | None) -> None:
    rows = source.queryset().filter(**{f"{source.prefix}status": RequestStatus.UNDER_REVIEW})
    if committee is not None:
        rows = rows.filter(committee_id=committee)
    for row in rows.values("committee_id").order_by().annotate(n=Count("pk")):
        tally.under_review[(row["committee_id"], source.lead)] += row["n"]


# -- requests per quarter (the statistics' first chart) -----------------------------------------


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


QUARTER_MEASURES = ("submitted", "decided")


def quarterly_counts(*, since: dt.datetime) -> Counter[tuple[dt.date, str]]:
    """Requests submitted and decided per calendar quarter (UTC) from `since`, each request
    once: whole days from the rollup (one grouped query), the rest from the requests."""
    counts: Counter[tuple[dt.date, str]] = Counter()
    edge = horizon()
    start = since
    if edge is not None and edge > since:
        rows = DailyFigure.objects.filter(
            day__gte=since.astimezone(dt.UTC).date(),
            day__lt=edge.date(),
            lead=True,
            measure__in=QUARTER_MEASURES,
        )
        for day, measure, n in (
            rows.values_list("day", "measure").order_by().annotate(n=Sum("count"))
        ):
            counts[(quarter_start(day), measure)] += n
        start = edge
    lead = SOURCES[0]
    for measure in (m for m in MEASURES if m.name in QUARTER_MEASURES):
        day = TruncDate(measure.date_field, tzinfo=dt.UTC)
        rows = (
            lead.queryset()
            .filter(**{f"{measure.date_field}__gte": start})
            .filter(measure.condition(""))
            .values_list(day)
            .order_by()
            .annotate(n=Count("pk"))
        )
        for on, n in rows:
            counts[(quarter_start(on), measure.name)] += n
    return counts
