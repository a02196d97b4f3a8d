"""A person's training records: `/accounts/training/` lists them (the most recent first)
and adds one. Committees that require a recent record check them (accounts.training)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts import training
from accounts.models import TrainingKind
from dac_portal.views import acting_user, handles_service_errors
from dac_portal.widgets import DateInput


class TrainingRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of training"), choices=TrainingKind.choices)
    course = forms.CharField(label=_("Course"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    certificate = forms.CharField(
        label=_("Certificate"),
        max_length=300,
        help_text=_("The certificate's number, or a link where it can be checked."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def training_records(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        training.training_record_add(actor=user, **form.cleaned_data)
        messages.success(request, _("Training record added."))
        return redirect("accounts:training")
    return render(
        request,
        "accounts/training.html",
        {"form": form, "records": list(training.training_records_of(user))},
        status=400 if request.method == "POST" else 200,
    )
