"""Pages: the public catalogue and the steward pages. Thin: a form shapes input, a
selector or service does the work, errors come back as messages on the same page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Committee
from consent import disease_names, export, forms, holders, reconsent, selectors, services
from consent.models import Study
from consent.ontology import term_labels
from consent.rendering import describe
from dac_portal.errors import PermissionDenied, ValidationError
from dac_portal.views import acting_user, handles_service_errors, next_page_query


def _describe(scope: Any, labels: dict[str, str] | None = None) -> str:
    if scope is None:
        return _("No consent scope has been recorded yet.")
    data_use = services.scope_data_use(scope)
    return describe(data_use, labels if labels is not None else term_labels(data_use.diseases))


def _apply_errors(form: Any, exc: ValidationError) -> None:
    form.add_error(None, exc.message)


@handles_service_errors
def catalogue(request: HttpRequest) -> HttpResponse:
    committees = [(c.slug, c.name) for c in Committee.objects.order_by("name")]
    form = forms.CatalogueFilterForm(request.GET or None, committees=committees)
    filters = selectors.CatalogueFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.CatalogueFilters(**{k: v or "" for k, v in form.cleaned_data.items()})
    datasets = selectors.dataset_list(user=request.user, filters=filters)
    scopes = [selectors.current_scope_of(d) for d in datasets]
    labels = term_labels(d for scope in scopes if scope for d in scope.diseases or [])
    rows = [
        {"dataset": d, "scope": scope, "summary": _describe(scope, labels)}
        for d, scope in zip(datasets, scopes, strict=True)
    ]
    return render(request, "consent/catalogue.html", {"form": form, "rows": rows})


@require_safe
def catalogue_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The public catalogue as CSV, JSON or DCAT-AP JSON-LD for harvesters (consent.export;
    docs/catalogue-export.md): the same file for every visitor, streamed."""
    kind = request.GET.get("format", "")
    if kind not in export.CONTENT_TYPES:
        # The error page of handles_service_errors, rendered here: that decorator types its
        # views as returning a plain HttpResponse, and this one streams.
        error = ValidationError(
            _("Choose the export format: format=csv, format=json or format=jsonld."),
            details={"format": kind[:20]},
        )
        return render(request, "error.html", {"error": error}, status=400)
    links = export.Links.resolve()
    # A HEAD answer has no body: reading 100,000 datasets to throw them away would be waste.
    rows = export.export_rows(links=links) if request.method == "GET" else iter(())
    response = StreamingHttpResponse(
        export.render(kind, rows, links), content_type=export.CONTENT_TYPES[kind]
    )
    if kind == "csv":
        name = f"dataset-catalogue-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@handles_service_errors
def dataset_detail(request: HttpRequest, accession: str) -> HttpResponse:
    dataset = selectors.dataset_get(user=request.user, accession=accession)
    versions = [
        {"scope": scope, "summary": _describe(scope)} for scope in selectors.scope_versions(dataset)
    ]
    return render(
        request,
        "consent/dataset_detail.html",
        {
            "dataset": dataset,
            "versions": versions,
            "current": versions[0] if versions else None,
            "open_reconsent": reconsent.open_flags_by_dataset([dataset.pk]).get(dataset.pk, []),
        },
    )


def _require_steward(user: Any) -> list[Committee]:
    committees = selectors.stewarded_committees(user)
    if not committees:
        raise PermissionDenied(_("Only data stewards can manage datasets."))
    return committees


@login_required
@handles_service_errors
def steward_home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    _require_steward(user)
    studies = selectors.steward_studies(user)
    rows = [
        {
            "study": study,
            "datasets": [
                {"dataset": d, "scope": selectors.current_scope_of(d)} for d in study.datasets.all()
            ],
        }
        for study in studies
    ]
    return render(request, "consent/steward_home.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def study_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    committees = _require_steward(user)
    form = forms.StudyForm(request.POST or None, committees=[(c.slug, c.name) for c in committees])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            committee = next(c for c in committees if c.slug == data["committee"])
            try:
                services.study_create(
                    accession=data["accession"].strip().upper(),
                    title=data["title"],
                    description=data["description"],
                    committee=committee,
                    actor=user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Study registered."))
                return redirect("consent:steward")
        status = 400
    return render(
        request,
        "consent/form.html",
        {"form": form, "heading": _("Register a study")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def study_edit(request: HttpRequest, accession: str) -> HttpResponse:
    user = acting_user(request)
    study = selectors.study_get_for_steward(user=user, accession=accession)
    initial = {"title": study.title, "description": study.description}
    form = forms.StudyEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if initial[k] != v}
            if changes:
                services.study_update(study=study, actor=user, **changes)
            messages.success(request, _("Study saved."))
            return redirect("consent:steward")
        status = 400
    heading = _("Edit study %(accession)s") % {"accession": study.accession}
    return render(request, "consent/form.html", {"form": form, "heading": heading}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def dataset_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    committees = _require_steward(user)
    studies = list(Study.objects.filter(committee__in=committees).order_by("accession"))
    choices = [(s.accession, f"{s.accession} — {s.title}") for s in studies]
    initial = {"study": request.GET.get("study", ""), "is_public": True}
    form = forms.DatasetForm(request.POST or None, studies=choices, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            study = next(s for s in studies if s.accession == data["study"])
            try:
                dataset = services.dataset_create(
                    accession=data["accession"].strip().upper(),
                    study=study,
                    title=data["title"],
                    description=data["description"],
                    participant_count=data["participant_count"],
                    data_types=data["data_types"],
                    is_public=data["is_public"],
                    actor=user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Dataset registered. Record its consent scope now."))
                return redirect("consent:scope-create", accession=dataset.accession)
        status = 400
    return render(
        request,
        "consent/form.html",
        {"form": form, "heading": _("Register a dataset")},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def dataset_edit(request: HttpRequest, accession: str) -> HttpResponse:
    user = acting_user(request)
    dataset = selectors.dataset_get_for_steward(user=user, accession=accession)
    initial = {
        "title": dataset.title,
        "description": dataset.description,
        "participant_count": dataset.participant_count,
        "data_types": ", ".join(dataset.data_types or []),
        "is_public": dataset.is_public,
    }
    form = forms.DatasetEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            old = {**initial, "data_types": list(dataset.data_types or [])}
            changes = {k: v for k, v in form.cleaned_data.items() if old[k] != v}
            if changes:
                services.dataset_update(dataset=dataset, actor=user, **changes)
            messages.success(request, _("Dataset saved."))
            return redirect("consent:dataset", accession=dataset.accession)
        status = 400
    heading = _("Edit dataset %(accession)s") % {"accession": dataset.accession}
    return render(request, "consent/form.html", {"form": form, "heading": heading}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def scope_create(request: HttpRequest, accession: str) -> HttpResponse:
    user = acting_user(request)
    dataset = selectors.dataset_get_for_steward(user=user, accession=accession)
    form = forms.ScopeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                scope = services.consent_scope_create(
                    dataset=dataset,
                    data_use=form.data_use(),
                    note=form.cleaned_data["note"],
                    actor=user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Consent scope version %(version)s recorded.") % {"version": scope.version},
                )
                return redirect("consent:scope-create", accession=dataset.accession)
        status = 400
    versions = [
        {"scope": scope, "summary": _describe(scope)} for scope in selectors.scope_versions(dataset)
    ]
    return render(
        request,
        "consent/scope_form.html",
        {"dataset": dataset, "form": form, "versions": versions},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def withdrawals(request: HttpRequest, accession: str) -> HttpResponse:
    user = acting_user(request)
    dataset = selectors.dataset_get_for_steward(user=user, accession=accession)
    form = forms.WithdrawalForm(request.POST or None)
    holder_count = holders.holders_of(dataset)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_withdrawal_record(
                    dataset=dataset,
                    participant_count=data["participant_count"],
                    pseudonymous_ids=data["pseudonymous_ids"],
                    note=data["note"],
                    effective_on=data["effective_on"],
                    actor=user,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Withdrawal recorded. The %(count)d person holding a grant on this "
                        "dataset is being told now.",
                        "Withdrawal recorded. The %(count)d people holding a grant on this "
                        "dataset are being told now.",
                        holder_count,
                    )
                    % {"count": holder_count},
                )
                return redirect("consent:withdrawals", accession=dataset.accession)
        status = 400
    return render(
        request,
        "consent/withdrawals.html",
        {
            "dataset": dataset,
            "form": form,
            "withdrawals": selectors.withdrawals_of(dataset),
            "holder_count": holder_count,
        },
        status=status,
    )


@require_http_methods(["GET"])
def disease_search(request: HttpRequest) -> HttpResponse:
    """Find a disease by name, for the request form and the catalogue filter: a plain
    search page that works without JavaScript, and the list htmx swaps in beside those
    fields as one types. Public, like the catalogue."""
    query = request.GET.get("q", "")
    if "\x00" in query or "\x00" in request.GET.get("after", ""):
        return render(request, "400.html", status=400)
    page = disease_names.disease_search(query, after=request.GET.get("after", ""))
    return render(
        request,
        "consent/disease_search.html",
        {
            "query": query,
            "terms": page.terms,
            "next_query": next_page_query(request, "after", page.next_cursor),
        },
    )
