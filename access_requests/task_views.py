"""Pages of the task-list form (access_requests/task_list.py): the list of sections, one
section at a time, and "check your answers" before *Submit*. Each saves through the same
service as the one-page form (access_request_update), with only its section's fields, so a
section saved never touches another's answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from access_requests import ethics, selectors, services
from access_requests.application_summary import application_context
from access_requests.forms import initial_from
from access_requests.rules import allowed_actions_for
from access_requests.task_list import BY_KEY, ready_to_check, task_list
from access_requests.views import form_status, refusal_for, refusal_into_form, request_form
from accounts.training import strictest_months, training_missing
from dac_portal.errors import ApplicationError, NotFound
from dac_portal.views import acting_user, handles_service_errors


def _editable(request: HttpRequest, reference: str):  # type: ignore[no-untyped-def]
    access_request = selectors.access_request_get_for_user(user=request.user, reference=reference)
    if "update" not in allowed_actions_for(request.user, access_request):
        raise refusal_for(request.user, access_request, "update")
    return access_request


@login_required
@require_GET
@handles_service_errors
def request_tasks(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = _editable(request, reference)
    return render(
        request,
        "access_requests/tasks.html",
        {
            "access_request": access_request,
            "tasks": task_list(access_request),
            "ready": ready_to_check(access_request),
            # The ethics approval step, where the consent of a chosen dataset asks for one.
            "ethics_needed": bool(ethics.datasets_needing_approval(access_request)),
            "ethics_on_file": ethics.current_approval(access_request, timezone.localdate())
            is not None,
            # The training record step, where a committee asks for a recent one.
            **_training_step(access_request),
        },
    )


def _training_step(access_request: Any) -> dict[str, Any]:
    committees = services.request_committees(access_request)
    months = strictest_months(committees)
    if months is None:
        return {"training_months": None}
    missing = training_missing(access_request.applicant, committees, timezone.localdate())
    return {"training_months": months, "training_on_file": missing is None}


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def request_section(request: HttpRequest, reference: str, section: str) -> HttpResponse:
    if section not in BY_KEY:
        raise NotFound("No such section.")
    access_request = _editable(request, reference)
    form = request_form(request, access_request, initial=initial_from(access_request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.to_data().items() if k in BY_KEY[section].data_keys}
            try:
                services.access_request_update(
                    access_request=access_request, data=data, actor=acting_user(request)
                )
            except NotFound:
                raise
            except ApplicationError as exc:
                refusal_into_form(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("access_requests:tasks", reference=access_request.reference)
        status = form_status(form)
    return render(
        request,
        "access_requests/section.html",
        {
            "access_request": access_request,
            "form": form,
            "section": BY_KEY[section],
            "section_template": f"access_requests/_section_{section}.html",
        },
        status=status,
    )


@login_required
@require_GET
@handles_service_errors
def request_check(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = _editable(request, reference)
    allowed = allowed_actions_for(request.user, access_request)
    return render(
        request,
        "access_requests/check.html",
        {
            "access_request": access_request,
            **application_context(access_request),
            "tasks": task_list(access_request),
            "submit_action": "resubmit" if "resubmit" in allowed else "submit",
            "may_submit": bool({"submit", "resubmit"} & set(allowed)),
        },
    )
