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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
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
)
from accounts.models import Committee, Institution
from agreements.doi import doi_url
from agreements.models import Findings, FindingsStatus
from consent.models import Dataset
from dac_portal.errors import NotFound, ValidationError
from transparency import charts as plots
from transparency.publications import DatasetPublications, publications_per_dataset
from transparency.rollup import (
    APPROVED_STATUSES,
    Tally,
    percentile,
    quarterly_counts,
    window_tally,
)

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
class RegisterFindings:
    """Findings the committee published (issue 21; WHO 3.3 and 3.7): the holder's words and
    DOIs, never the holder's name."""

    summary: str
    dois: list[str]
    return_of_results: str
    published_at: datetime

    def doi_links(self) -> list[tuple[str, str]]:
        return [(doi, doi_url(doi)) for doi in self.dois]

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "publications": [doi_url(doi) for doi in self.dois],
            "return_of_results": self.return_of_results,
            "published_at": self.published_at.isoformat(),
        }


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
    findings: list[RegisterFindings] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The entry as the JSON download gives it. `findings` only where the committee
        published some, so an entry without findings keeps the shape clients already read."""
        findings = {"findings": [f.as_dict() for f in self.findings]} if self.findings else {}
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
            **findings,
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


def _published_findings(request_ids: list[int]) -> dict[int, list[RegisterFindings]]:
    """The published findings of a page of requests, by request, oldest first: one query
    whatever the page size (a prefetch by hand: findings hang off grants, not requests).
    Only public fields are read."""
    by_request: dict[int, list[RegisterFindings]] = {}
    if not request_ids:
        return by_request
    rows = (
        Findings.objects.filter(
            status=FindingsStatus.PUBLISHED, grant__access_request_id__in=request_ids
        )
        .order_by("published_at", "id")
        .values_list(
            "grant__access_request_id", "summary", "dois", "return_of_results", "published_at"
        )
    )
    for request_id, summary, dois, returned, published_at in rows:
        by_request.setdefault(request_id, []).append(
            RegisterFindings(
                summary=summary,
                dois=list(dois or []),
                return_of_results=returned,
                published_at=published_at,  # type: ignore[arg-type]  # published: not null
            )
        )
    return by_request


def register_page(
    *, filters: RegisterFilters, cursor: str = "", page_size: int = PAGE_SIZE
) -> RegisterPage:
    """One page of the register: three queries whatever the page size (the requests with
    their institution and committee, their approved public datasets, their published
    findings)."""
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
    findings = _published_findings([row.pk for row in rows[:page_size]])
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
            findings=findings.get(row.pk, []),
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
    responded: int = 0  # answered in the window after routing: the base of the next two
    response_median_days: float | None = None
    response_p90_days: float | None = None

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
    # The charts (transparency.charts), and the equity tables beside two of them.
    charts: dict[str, plots.Chart] = field(default_factory=dict)
    equity: dict[str, list[plots.EquityRow]] = field(default_factory=dict)
    # What the data gave back, all time (transparency.publications).
    publications: list[DatasetPublications] = field(default_factory=list)


def _figures(committee: Committee | None, tally: Tally) -> Figures:
    """One column: a committee's (its requests and its routes), or all committees' (each
    request once, through its lead committee)."""
    if committee is None:
        counts = {name: tally.overall(name) for name in COUNTED}
        under_review = sum(n for (_, lead), n in tally.under_review.items() if lead)
        histogram = tally.histogram(overall=True)
        answers = tally.histogram(overall=True, response=True)
    else:
        counts = {name: tally.measure(name, committee.pk) for name in COUNTED}
        under_review = sum(tally.under_review[(committee.pk, lead)] for lead in (True, False))
        histogram = tally.histogram(committee.pk)
        answers = tally.histogram(committee.pk, response=True)
    return Figures(
        committee=committee,
        under_review=under_review,
        median_days=percentile(histogram, 0.5),
        p90_days=percentile(histogram, 0.9),
        response_median_days=percentile(answers, 0.5),
        response_p90_days=percentile(answers, 0.9),
        **counts,
    )


# The Figures fields counted as rollup measures (the rest are derived or current).
COUNTED = (
    "submitted",
    "decided",
    "approved",
    "rejected",
    "withdrawn",
    "decided_with_due_date",
    "within_target",
    "timed",
    "responded",
)


def committee_turnaround(committee: Committee, *, now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    tally = window_tally(since=now - timedelta(days=WINDOW_DAYS), committee=committee.pk)
    return _figures(committee, tally)


def statistics(*, now: datetime | None = None) -> Statistics:
    """The public statistics of the last 12 months, per committee and overall, added up from
    the rollup's days and what happened since its horizon (transparency.rollup). Queries:
    a fixed handful, whatever the number of requests or committees."""
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    committees = list(Committee.objects.order_by("name"))
    tally = window_tally(since=since)
    stats = Statistics(
        since=since,
        until=now,
        overall=_figures(None, tally),
        committees=[_figures(c, tally) for c in committees],
        by_country=_breakdown(tally, committees, by_country=True),
        by_type=_breakdown(tally, committees, by_country=False),
    )
    _add_charts(stats, tally)
    stats.publications = publications_per_dataset()
    return stats


def _add_charts(stats: Statistics, tally: Tally) -> None:
    stats.equity = {g: plots.equity_rows(tally, g) for g in plots.EQUITY_GROUPINGS}
    committees = [f for f in stats.committees if f.committee is not None]
    turnaround = [
        (f.name, f.median_days, f.p90_days, f.timed, f.committee.review_target_days)
        for f in committees
        if f.committee is not None
    ]
    response = [
        (f.name, f.response_median_days, f.response_p90_days, f.responded, target)
        for f, (*_, target) in zip(committees, turnaround, strict=True)
    ]
    stats.charts = {
        "quarters": plots.quarters_chart(
            quarterly_counts(since=stats.since), stats.since, stats.until
        ),
        "response": plots.turnaround_chart(turnaround=response, first_response=True),
        "turnaround": plots.turnaround_chart(turnaround),
        **{g: plots.equity_chart(rows, g) for g, rows in stats.equity.items()},
    }


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


def _breakdown(tally: Tally, committees: list[Committee], *, by_country: bool) -> list[Breakdown]:
    """Applicants (requests submitted in the window) by the institution's country or type:
    a request spanning committees is in each of its committees' columns and once in the
    total."""
    index = {c.pk: i for i, c in enumerate(committees)}
    table: dict[str, list[int]] = {}
    totals: dict[str, int] = {}
    for (committee, lead, country, kind), n in tally.applicants.items():
        value = country if by_country else kind
        counts = table.setdefault(value, [0] * len(committees))
        if committee in index:
            counts[index[committee]] += n
            if lead:
                totals[value] = totals.get(value, 0) + n
    labels = {} if by_country else _type_labels()
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
