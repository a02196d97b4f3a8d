"""The steward's page for a dataset's re-consent flags: the flags with their history, a
form that raises one, and a form per open flag that clears it. Thin: parse, call one
service from consent.reconsent, render; refusals become messages and status codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent import reconsent, selectors
from consent.forms import ReconsentClearForm, ReconsentFlagForm
from consent.models import Dataset
from consent.views import _apply_errors
from dac_portal.errors import ValidationError
from dac_portal.views import acting_user, handles_service_errors


def _page(
    request: HttpRequest,
    dataset: Dataset,
    *,
    form: ReconsentFlagForm | None = None,
    clear_forms: dict[int, ReconsentClearForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    flags = reconsent.flags_of(dataset)
    clear_forms = clear_forms or {}
    rows = [
        {
            "flag": flag,
            "clear_form": clear_forms.get(flag.pk) or ReconsentClearForm(prefix=f"clear-{flag.pk}"),
        }
        for flag in flags
    ]
    context = {
        "dataset": dataset,
        "form": form or ReconsentFlagForm(),
        "rows": rows,
        "open_count": sum(1 for flag in flags if flag.is_open),
    }
    return render(request, "consent/reconsent.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def reconsent_flags(request: HttpRequest, accession: str) -> HttpResponse:
    user = acting_user(request)
    dataset = selectors.dataset_get_for_steward(user=user, accession=accession)
    if request.method != "POST":
        return _page(request, dataset)
    form = ReconsentFlagForm(request.POST)
    if form.is_valid():
        try:
            reconsent.reconsent_flag_raise(
                dataset=dataset,
                reason=form.cleaned_data["reason"],
                participant_count=form.cleaned_data["participant_count"],
                actor=user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Re-consent flag raised: no new access to %(accession)s is approved "
                    "until it is cleared."
                )
                % {"accession": dataset.accession},
            )
            return redirect("consent:reconsent", accession=dataset.accession)
    return _page(request, dataset, form=form, status=400)


@login_required
@require_POST
@handles_service_errors
def reconsent_clear(request: HttpRequest, accession: str, flag_id: int) -> HttpResponse:
    user = acting_user(request)
    dataset = selectors.dataset_get_for_steward(user=user, accession=accession)
    flag = reconsent.flag_get_for_steward(dataset=dataset, flag_id=flag_id)
    form = ReconsentClearForm(request.POST, prefix=f"clear-{flag.pk}")
    if form.is_valid():
        try:
            reconsent.reconsent_flag_clear(flag=flag, note=form.cleaned_data["note"], actor=user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Re-consent flag cleared."))
            return redirect("consent:reconsent", accession=dataset.accession)
    return _page(request, dataset, clear_forms={flag.pk: form}, status=400)
