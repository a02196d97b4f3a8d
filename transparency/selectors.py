"""Read-only selectors of the public transparency pages (WHO 3.4 and 3.7): the register of
approved uses, a committee's public policy with its turnaround, and the statistics.

Everything here is public, so what a selector returns is shaped on purpose: register
entries are plain records that carry no person, no vote, no note and no reason, so a
template or a download cannot leak them by accident. Figures are computed by the database
(aggregates, one ordered row per percentile), never by looping over requests in Python.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from access_requests.models import (
    AccessRequest,
    Appeal,
    AppealStatus,
    CommitteeRoute,
    Decision,
    RequestedDataset,
    RequestStatus,
)
from accounts.models import Committee, Institution
from consent.models import Dataset
from dac_portal.errors import NotFound, ValidationError

# An approved use stays approved once its grants have ended (closed).
APPROVED_STATUSES = (RequestStatus.APPROVED, RequestStatus.CLOSED)
DECIDED_STATUSES = (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CLOSED)
WINDOW_DAYS = 365
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_DOWNLOAD_PAGE_SIZE = 1000
QUERY_LIMIT = 200


# -- the register ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterDataset:
    accession: str
    title: str


@dataclass(frozen=True)
class RegisterEntry:
    reference: str
    title: str
    lay_summary: str
    institution: str
    country: str
    committee: str
    committee_slug: str
    decided_at: datetime
    datasets: list[RegisterDataset] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "title": self.title,
            "lay_summary": self.lay_summary,
            "institution": self.institution,
            "country": self.country,
            "committee": self.committee,
            "committee_slug": self.committee_slug,
            "decided_at": self.decided_at.isoformat(),
            "datasets": [{"accession": d.accession, "title": d.title} for d in self.datasets],
        }


@dataclass(frozen=True)
class RegisterFilters:
    q: str = ""
    committee: str = ""  # slug
    dataset: str = ""  # accession


@dataclass(frozen=True)
class RegisterPage:
    entries: list[RegisterEntry]
    next_cursor: str | None


def _encode_cursor(entry: RegisterEntry) -> str:
    raw = f"{entry.decided_at.isoformat()}|{entry.reference}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    invalid = ValidationError(_("This page link is not valid; start again from the first page."))
    if len(cursor) > 200:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, reference = raw.split("|", 1)
        decided_at = parse_datetime(when)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    if decided_at is None or not reference or "\x00" in reference:
        raise invalid
    if timezone.is_naive(decided_at):
        raise invalid
    return decided_at, reference


def register_queryset(filters: RegisterFilters) -> QuerySet[AccessRequest]:
    """Requests with at least one approved dataset, newest decision first. Rows are read
    by keyset (decided_at, reference), so a page costs the same at any depth and no page
    counts the table."""
    approved_rows = RequestedDataset.objects.filter(
        access_request=OuterRef("pk"), decision=Decision.APPROVED
    )
    if filters.dataset:
        # Public datasets only: filtering by an unlisted accession must not tell which
        # approved uses it belongs to.
        approved_rows = approved_rows.filter(
            dataset__accession=filters.dataset, dataset__is_public=True
        )
    queryset = AccessRequest.objects.filter(
        status__in=APPROVED_STATUSES, decided_at__isnull=False
    ).filter(Exists(approved_rows))
    if filters.committee:
        # A request spanning committees is in the register of each of them.
        queryset = queryset.filter(
            Q(committee__slug=filters.committee)
            | Exists(
                CommitteeRoute.objects.filter(
                    access_request=OuterRef("pk"), committee__slug=filters.committee
                )
            )
        )
    if filters.q:
        queryset = queryset.filter(
            Q(title__icontains=filters.q) | Q(lay_summary__icontains=filters.q)
        )
    return queryset.order_by("-decided_at", "-reference")


def _approving_committees(row: AccessRequest) -> str:
    """The committees that approved the request's datasets (one for most requests; a
    request spanning committees names each that approved), else its lead committee."""
    names: list[str] = []
    for approved in row.approved:  # type: ignore[attr-defined]
        if approved.committee is not None and approved.committee.name not in names:
            names.append(approved.committee.name)
    if not names and row.committee:
        names.append(row.committee.name)
    return ", ".join(names)


def register_page(
    *, filters: RegisterFilters, cursor: str = "", page_size: int = PAGE_SIZE
) -> RegisterPage:
    """One page of the register: two queries whatever the page size (the requests with
    their institution and committee, then their approved public datasets)."""
    queryset = register_queryset(filters)
    if cursor:
        decided_at, reference = _decode_cursor(cursor)
        queryset = queryset.filter(
            Q(decided_at__lt=decided_at) | Q(decided_at=decided_at, reference__lt=reference)
        )
    # Only public fields are read: the applicant, votes, notes and reasons never leave
    # the database for this page.
    approved = (
        RequestedDataset.objects.filter(decision=Decision.APPROVED, dataset__is_public=True)
        .select_related("dataset", "committee")
        .only(
            "access_request_id",
            "position",
            "dataset__accession",
            "dataset__title",
            "committee__name",
            "committee__slug",
        )
        .order_by("position", "id")
    )
    rows = list(
        queryset.select_related("institution", "committee")
        .only(
            "reference",
            "title",
            "lay_summary",
            "decided_at",
            "institution__name",
            "institution__country",
            "committee__name",
            "committee__slug",
        )
        .prefetch_related(Prefetch("requested_datasets", queryset=approved, to_attr="approved"))[
            : page_size + 1
        ]
    )
    entries = [
        RegisterEntry(
            reference=row.reference,
            title=row.title,
            lay_summary=row.lay_summary,
            institution=row.institution.name if row.institution else "",
            country=row.institution.country if row.institution else "",
            committee=_approving_committees(row),
            committee_slug=row.committee.slug if row.committee else "",
            decided_at=row.decided_at,  # type: ignore[arg-type]  # filtered non-null
            datasets=[
                RegisterDataset(accession=r.dataset.accession, title=r.dataset.title)
                for r in row.approved  # type: ignore[attr-defined]
            ],
        )
        for row in rows[:page_size]
    ]
    next_cursor = _encode_cursor(entries[-1]) if len(rows) > page_size and entries else None
    return RegisterPage(entries=entries, next_cursor=next_cursor)


@dataclass(frozen=True)
class AppealCounts:
    """How many rejections were appealed, and how the appeals ended (WHO 3.8: decisions
    that can be held to account). Counts only: no request or applicant is named."""

    filed: int
    pending: int
    upheld: int
    overturned: int


def appeal_counts(*, committee: str = "") -> AppealCounts:
    """One aggregate over the appeals, of one committee's requests (`committee`, a slug:
    heard by it, or of its requests) or of all."""
    appeals = Appeal.objects.all()
    if committee:
        appeals = appeals.filter(
            Q(hearing_committee__slug=committee) | Q(access_request__committee__slug=committee)
        )
    found = appeals.aggregate(
        filed=Count("pk"),
        pending=Count("pk", filter=Q(status=AppealStatus.PENDING)),
        upheld=Count("pk", filter=Q(status=AppealStatus.UPHELD)),
        overturned=Count("pk", filter=Q(status=AppealStatus.OVERTURNED)),
    )
    return AppealCounts(**found)


# -- committees ------------------------------------------------------------------------------


def committee_get(*, slug: str) -> Committee:
    # A slug is at most 50 characters of [-a-zA-Z0-9_]: anything else cannot exist, and
    # some of it (NUL) PostgreSQL refuses outright.
    valid = len(slug) <= 50 and slug.replace("-", "").replace("_", "").isalnum()
    committee = Committee.objects.filter(slug=slug).first() if valid else None
    if committee is None:
        raise NotFound(_("No committee has this name."))
    return committee


def committee_datasets(committee: Committee) -> list[Dataset]:
    return list(
        Dataset.objects.filter(committee=committee, is_public=True)
        .only("accession", "title")
        .order_by("accession")
    )


def committee_choices() -> list[tuple[str, str]]:
    return list(Committee.objects.order_by("name").values_list("slug", "name"))


# -- statistics ------------------------------------------------------------------------------


@dataclass
class Figures:
    """One column of the statistics: a committee, or all of them (committee None)."""

    committee: Committee | None
    submitted: int = 0
    decided: int = 0
    approved: int = 0
    rejected: int = 0
    withdrawn: int = 0
    under_review: int = 0
    decided_with_due_date: int = 0
    timed: int = 0  # decided in the window after routing: the base of the percentiles
    within_target: int = 0
    median_days: float | None = None
    p90_days: float | None = None

    @property
    def within_target_percent(self) -> int | None:
        if not self.decided_with_due_date:
            return None
        return round(100 * self.within_target / self.decided_with_due_date)

    @property
    def name(self) -> str:
        return self.committee.name if self.committee else _("All committees")


@dataclass
class Breakdown:
    """Applicants (requests submitted in the window) by one institution attribute."""

    label: str
    total: int
    per_committee: list[int]


@dataclass
class Statistics:
    since: datetime
    until: datetime
    overall: Figures
    committees: list[Figures]
    by_country: list[Breakdown]
    by_type: list[Breakdown]


def _duration(prefix: str = "") -> ExpressionWrapper[Any]:
    return ExpressionWrapper(
        F(f"{prefix}decided_at") - F(f"{prefix}routed_at"), output_field=DurationField()
    )


def _days(value: Any) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    # Some backends hand a duration back as microseconds.
    return float(value) / 86_400_000_000


def _percentile(queryset: QuerySet[AccessRequest], count: int, fraction: float) -> float | None:
    """The percentile of days from routing to decision, interpolated between the two
    nearest ranks (as PostgreSQL's percentile_cont): the database orders the durations and
    hands back at most two of them."""
    if count == 0:
        return None
    position = fraction * (count - 1)
    low = math.floor(position)
    values = list(
        queryset.annotate(duration=_duration())
        .order_by("duration")
        .values_list("duration", flat=True)[low : low + 2]
    )
    first = _days(values[0])
    if len(values) == 1 or position == low:
        return round(first, 1)
    return round(first + (_days(values[1]) - first) * (position - low), 1)


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression): the
    percentile computed in the same scan as the counts."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def _in_one_scan() -> bool:
    return connection.vendor == "postgresql"


def _count_aggregates(since: datetime, prefix: str = "") -> dict[str, Any]:
    """The figures as aggregates over requests; `prefix` ("access_request__") when they are
    counted over committee routes (a request spanning committees counts for each)."""

    def q(**lookups: Any) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    in_window = q(decided_at__gte=since)
    percentiles: dict[str, Any] = {}
    if _in_one_scan():
        timed = in_window & q(status__in=DECIDED_STATUSES, routed_at__isnull=False)
        percentiles = {
            "median_days": PercentileCont(
                _duration(prefix), 0.5, filter=timed, output_field=DurationField()
            ),
            "p90_days": PercentileCont(
                _duration(prefix), 0.9, filter=timed, output_field=DurationField()
            ),
        }
    return {
        **percentiles,
        "submitted": Count("id", filter=q(submitted_at__gte=since)),
        "decided": Count("id", filter=in_window & q(status__in=DECIDED_STATUSES)),
        "approved": Count("id", filter=in_window & q(status__in=APPROVED_STATUSES)),
        "rejected": Count("id", filter=in_window & q(status=RequestStatus.REJECTED)),
        "withdrawn": Count("id", filter=q(withdrawn_at__gte=since)),
        "under_review": Count("id", filter=q(status=RequestStatus.UNDER_REVIEW)),
        "timed": Count(
            "id", filter=in_window & q(status__in=DECIDED_STATUSES, routed_at__isnull=False)
        ),
        "decided_with_due_date": Count(
            "id",
            filter=in_window & q(status__in=DECIDED_STATUSES, review_due_at__isnull=False),
        ),
        "within_target": Count(
            "id",
            filter=in_window
            & q(status__in=DECIDED_STATUSES, decided_at__lte=F(f"{prefix}review_due_at")),
        ),
    }


def _turnaround(figures: Figures, since: datetime) -> None:
    if _in_one_scan():  # the aggregate gave durations: show them as days
        for name in ("median_days", "p90_days"):
            value = getattr(figures, name)
            setattr(figures, name, None if value is None else round(_days(value), 1))
        return
    # Elsewhere (SQLite) the database orders the durations and hands back one or two.
    timed = AccessRequest.objects.filter(
        status__in=DECIDED_STATUSES, decided_at__gte=since, routed_at__isnull=False
    )
    if figures.committee is not None:
        timed = timed.filter(
            pk__in=CommitteeRoute.objects.filter(committee=figures.committee).values(
                "access_request_id"
            )
        )
    figures.median_days = _percentile(timed, figures.timed, 0.5)
    figures.p90_days = _percentile(timed, figures.timed, 0.9)


def _activity() -> QuerySet[AccessRequest]:
    # Drafts are private work in progress: they never count.
    return AccessRequest.objects.exclude(status=RequestStatus.DRAFT)


def _extra_routes() -> QuerySet[CommitteeRoute]:
    """The routes after a request's first (position > 0: the request spans committees and
    this is not its lead committee), of requests that count (not drafts). Few, and read
    through the partial index committee_route_extra."""
    return CommitteeRoute.objects.filter(position__gt=0).exclude(
        access_request__status=RequestStatus.DRAFT
    )


def _spanned_committee_ids() -> set[int]:
    """Committees that are a non-lead committee of some request: their figures are counted
    over their routes (a join); every other committee's over its requests' lead committee
    (AccessRequest.committee, no join), which gives the same numbers for them."""
    # No join (drafts included): a draft's route only makes a committee take the exact,
    # slower path; `order_by()` drops the default ordering that would join the requests.
    return set(
        CommitteeRoute.objects.filter(position__gt=0)
        .order_by()
        .values_list("committee_id", flat=True)
        .distinct()
    )


def _committee_requests(committee: Committee, spanned: set[int]) -> QuerySet[AccessRequest]:
    if committee.pk in spanned:
        return _activity().filter(committee_routes__committee=committee)
    return _activity().filter(committee=committee)


def committee_turnaround(committee: Committee, *, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    counts = _committee_requests(committee, _spanned_committee_ids()).aggregate(
        **_count_aggregates(since)
    )
    figures = Figures(committee=committee, **counts)
    _turnaround(figures, since)
    return figures


def statistics(*, now: datetime | None = None) -> Statistics:
    """The public statistics of the last 12 months, per committee and overall. Queries:
    the committees, one grouped count, one overall count, two per committee and overall for
    the percentiles (none for a committee without decisions), two for the applicant
    breakdowns: bounded by the number of committees, not of requests."""
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    committees = list(Committee.objects.order_by("name"))
    spanned = _spanned_committee_ids()
    grouped: dict[Any, dict[str, Any]] = {}
    for row in (
        _activity()
        .filter(committee__isnull=False)
        .values("committee")
        .order_by()
        .annotate(**_count_aggregates(since))
    ):  # one row per (lead) committee
        counts: dict[str, Any] = dict(row)
        grouped[counts.pop("committee")] = counts
    # A request spanning committees counts for each of them: a committee that is the
    # non-lead committee of some request is counted over its routes instead (one query
    # each, for those few committees only).
    for committee in committees:
        if committee.pk in spanned:
            grouped[committee.pk] = _committee_requests(committee, spanned).aggregate(
                **_count_aggregates(since)
            )
    per_committee = [Figures(committee=c, **grouped.get(c.pk, {})) for c in committees]
    overall = Figures(committee=None, **_activity().aggregate(**_count_aggregates(since)))
    for figures in [*per_committee, overall]:
        _turnaround(figures, since)
    return Statistics(
        since=since,
        until=now,
        overall=overall,
        committees=per_committee,
        by_country=_breakdown("institution__country", committees, since),
        by_type=_breakdown("institution__type", committees, since),
    )


def statistics_cached() -> Statistics:
    """The statistics, computed at most once per TRANSPARENCY_STATS_CACHE_SECONDS (per
    language: labels are translated when computed). With a million requests the figures
    take about a second of database time; the page is public, so each visitor must not
    cost that."""
    timeout = settings.TRANSPARENCY_STATS_CACHE_SECONDS
    if timeout <= 0:
        return statistics()
    key = f"transparency:statistics:{get_language()}"
    stats = cache.get(key)
    if stats is None:
        stats = statistics()
        cache.set(key, stats, timeout)
    return stats


def committee_figures(committee: Committee) -> Figures:
    """A committee's turnaround: from the cached statistics when they are cached (no
    database work), else computed for this committee alone."""
    if settings.TRANSPARENCY_STATS_CACHE_SECONDS > 0:
        for figures in statistics_cached().committees:
            if figures.committee is not None and figures.committee.pk == committee.pk:
                return figures
    return committee_turnaround(committee)  # not cached, or created since


def _breakdown(attribute: str, committees: list[Committee], since: datetime) -> list[Breakdown]:
    """Applicants by one institution attribute: per (value, lead committee) over the
    requests, plus the extra routes of requests spanning committees, so such a request is
    in each of its committees' columns and once in the total."""
    rows = (
        _activity()
        .filter(submitted_at__gte=since)
        .values(attribute, "committee")
        .order_by()
        .annotate(n=Count("id"))
    )
    extra = (
        _extra_routes()
        .filter(access_request__submitted_at__gte=since)
        .values(f"access_request__{attribute}", "committee")
        .order_by()
        .annotate(n=Count("id"))
    )
    index = {c.pk: i for i, c in enumerate(committees)}
    table: dict[str, list[int]] = {}
    totals: dict[str, int] = {}
    for row in rows:  # one row per (value, committee): a handful, not one per request
        value = row[attribute] or ""
        counts = table.setdefault(value, [0] * len(committees))
        if row["committee"] in index:
            counts[index[row["committee"]]] += row["n"]
            totals[value] = totals.get(value, 0) + row["n"]
    for row in extra:
        value = row[f"access_request__{attribute}"] or ""
        counts = table.setdefault(value, [0] * len(committees))
        if row["committee"] in index:
            counts[index[row["committee"]]] += row["n"]
    labels = _type_labels() if attribute == "institution__type" else {}
    result = [
        Breakdown(
            label=labels.get(value, value) or _("Not given"),
            total=totals.get(value, 0),
            per_committee=counts,
        )
        for value, counts in table.items()
    ]
    result.sort(key=lambda b: (-b.total, str(b.label)))
    return result


def _type_labels() -> dict[str, str]:

    return {value: str(label) for value, label in Institution.Type.choices}
