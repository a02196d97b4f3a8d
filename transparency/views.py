"""The public transparency pages (no sign-in). Thin: a form shapes the filters, a selector
does the reading; the register also downloads as CSV or JSON (WHO 3.5 collaboration)."""

from __future__ import annotations

import csv
import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.selectors import committee_composition, lay_share_over_time
from audit import keys, transparency_log
from dac_portal.api import error_body
from dac_portal.csv_safety import safe_cell
from dac_portal.errors import NotFound
from dac_portal.views import handles_service_errors
from transparency import selectors
from transparency.forms import RegisterFilterForm
from transparency.stats_csv import statistics_csv
from transparency.stats_tables import committee_row, statistics_tables

CSV_COLUMNS = [
    "reference",
    "title",
    "lay_summary",
    "institution",
    "country",
    "committee",
    "decided_at",
    "datasets",
    # What the research produced, once the committee published it (empty otherwise).
    "findings",
    "publications",
    "return_of_results",
]


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f"{reverse('transparency:register')}?{query.urlencode()}"


def _first_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return f"{reverse('transparency:register')}?{query.urlencode()}"


def _download(request: HttpRequest, page: selectors.RegisterPage, kind: str) -> HttpResponse:
    next_url = _next_url(request, page.next_cursor)
    if kind == "json":
        body = {
            "results": [entry.as_dict() for entry in page.entries],
            "next": request.build_absolute_uri(next_url) if next_url else None,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), content_type="application/json"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for entry in page.entries:
            row = entry.as_dict()
            row["datasets"] = " ".join(d["accession"] for d in row["datasets"])
            findings = row.get("findings", [])
            row["findings"] = " | ".join(f["summary"] for f in findings)
            row["publications"] = " ".join(url for f in findings for url in f["publications"])
            row["return_of_results"] = " | ".join(
                f["return_of_results"] for f in findings if f["return_of_results"]
            )
            # Titles are typed by applicants: formula-safe cells (CSV injection).
            writer.writerow([safe_cell(row[column]) for column in CSV_COLUMNS])
        response["Content-Disposition"] = 'attachment; filename="register.csv"'
    if next_url:
        response["Link"] = f'<{request.build_absolute_uri(next_url)}>; rel="next"'
    return response


@require_safe
@handles_service_errors
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, committees=selectors.committee_choices())
    if form.is_bound and not form.is_valid():
        return render(
            request, "transparency/register.html", {"form": form, "entries": []}, status=400
        )
    data: dict[str, Any] = form.cleaned_data if form.is_bound else {}
    filters = selectors.RegisterFilters(
        q=data.get("q") or "",
        committee=data.get("committee") or "",
        dataset=data.get("dataset") or "",
    )
    kind = data.get("format") or ""
    limit = selectors.MAX_DOWNLOAD_PAGE_SIZE if kind else selectors.MAX_PAGE_SIZE
    page_size = min(data.get("page_size") or selectors.PAGE_SIZE, limit)
    page = selectors.register_page(
        filters=filters, cursor=data.get("cursor") or "", page_size=page_size
    )
    if kind:
        return _download(request, page, kind)
    downloads = {
        key: f"{reverse('transparency:register')}?"
        + urlencode(
            {k: v for k, v in {**request.GET.dict(), "format": key}.items() if k != "cursor"}
        )
        for key in ("csv", "json")
    }
    return render(
        request,
        "transparency/register.html",
        {
            "form": form,
            "entries": page.entries,
            "next_url": _next_url(request, page.next_cursor),
            "first_url": _first_url(request) if data.get("cursor") else None,
            "downloads": downloads,
            "appeals": selectors.appeal_counts(committee=filters.committee),
        },
    )


@require_safe
@handles_service_errors
def committee_detail(request: HttpRequest, slug: str) -> HttpResponse:
    committee = selectors.committee_get(slug=slug)
    return render(
        request,
        "transparency/committee.html",
        {
            "committee": committee,
            "datasets": selectors.committee_datasets(committee),
            "turnaround": committee_row(selectors.committee_figures(committee)),
            "composition": committee_composition(committee),
            "register_url": f"{reverse('transparency:register')}?"
            + urlencode({"committee": committee.slug}),
        },
    )


@require_safe
@handles_service_errors
def statistics(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("format", "")
    if kind not in ("", "csv"):
        return render(request, "400.html", status=400)
    stats = selectors.statistics_cached()
    if kind == "csv":
        return statistics_csv(stats)
    return render(
        request,
        "transparency/statistics.html",
        {
            "stats": stats,
            **statistics_tables(stats),
            "lay_share": lay_share_over_time(now=timezone.now()),
        },
    )


@require_safe
def signed_tree_head(request: HttpRequest) -> JsonResponse:
    """The transparency log's latest signed tree head, as JSON (docs/transparency-log.md):
    public, like the proofs, since it holds hashes only."""
    try:
        head = transparency_log.latest_tree_head()
    except NotFound as exc:
        return JsonResponse(error_body(exc.code, exc.message), status=404)
    response = JsonResponse(transparency_log.tree_head_json(head))
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def log_public_key(request: HttpRequest) -> HttpResponse:
    """The public key that signs the tree heads (and the audit log's checkpoints and signed
    exports), as PEM: what the offline verifier checks a head against."""
    pem = keys.public_pem(keys.signing_key().public_key())
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Cache-Control"] = "public, max-age=3600"
    return response
