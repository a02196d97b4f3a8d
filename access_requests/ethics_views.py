"""The ethics approval step of a request (issue 18): `/requests/<ref>/ethics-approval/`
shows whether the participants' consent asks for one, the approvals on file (the current
one first), and the form to file one: its document, approving body, number and expiry."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from access_requests import ethics, ethics_services, selectors, services
from access_requests.rules import allowed_actions_for
from dac_portal.errors import ValidationError
from dac_portal.views import acting_user, handles_service_errors
from dac_portal.widgets import DateInput


class EthicsApprovalForm(forms.Form):
    file = forms.FileField(
        label=_("The approval letter"),
        help_text=_("PDF, ODT or DOCX."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.odt,.docx,application/pdf"}),
    )
    approving_body = forms.CharField(
        label=_("Approving body"),
        max_length=200,
        help_text=_("The ethics committee (IRB/ERB) that approved the research."),
    )
    approval_number = forms.CharField(label=_("Approval number"), max_length=100)
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        help_text=_("The last day the approval is valid. You are reminded 30 and 7 days before."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def ethics_approval(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(
        user=request.user, reference=reference, full=False
    )
    form = EthicsApprovalForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        ethics_services.require_filing_allowed(access_request, request.user)
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.document_size_check(upload.size or 0)
                ethics_services.ethics_approval_file(
                    access_request=access_request,
                    filename=upload.name or "",
                    content=upload.read(),
                    approving_body=form.cleaned_data["approving_body"],
                    approval_number=form.cleaned_data["approval_number"],
                    expires_on=form.cleaned_data["expires_on"],
                    actor=acting_user(request),
                )
            except (ValidationError, services.TooLarge) as refused:
                for field, problems in (refused.details or {}).items():
                    target = field if field in form.fields else None
                    for problem in problems if isinstance(problems, list) else [problems]:
                        form.add_error(target, str(problem))
                status = refused.status_code
            else:
                messages.success(request, _("Ethics approval filed."))
                return redirect("access_requests:ethics-approval", reference=reference)
    today = timezone.localdate()
    return render(
        request,
        "access_requests/ethics_approval.html",
        {
            "r": access_request,
            "form": form,
            "needing": ethics.datasets_needing_approval(access_request),
            "approvals": list(ethics.approvals_of(access_request)),
            "current": ethics.current_approval(access_request, today),
            "may_file": "file_ethics_approval" in allowed_actions_for(request.user, access_request),
            "today": today,
        },
        status=status,
    )
