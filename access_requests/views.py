"""Pages of the researcher's journey: my requests, the guided form, the request page with
its timeline and the actions allowed now. Thin: each calls one selector or service; the
forms work without JavaScript, and htmx only adds the live consent check."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from access_requests import progress, selectors, services, workflow
from access_requests.api import document_response
from access_requests.application_summary import application_context
from access_requests.forms import (
    DocumentForm,
    RequestForm,
    WithdrawForm,
    initial_from,
)
from access_requests.models import AccessRequest
from access_requests.rules import allowed_actions_for, is_committee_viewer
from accounts.permissions import can
from accounts.roles import roles_of
from audit import registry
from audit.audit_actions import LogAudit
from audit.receipts import ReceiptKind, receipt_document, receipt_event_get, receipt_filename
from consent.services import consent_evaluate_dataset, purpose_parse
from consent.summaries import consent_in_words
from dac_portal.errors import ApplicationError, NotFound, ValidationError
from dac_portal.views import acting_user, handles_service_errors

# The next step, as the applicant reads it in their list.
NEXT_STEP = {
    "draft": gettext_lazy("Complete the request and submit it."),
    "submitted": gettext_lazy("A signing official of your institution endorses it."),
    "under_review": gettext_lazy("The committee reviews it."),
    "changes_requested": gettext_lazy("Make the changes the committee asked for, then resubmit."),
    "approved": gettext_lazy("Sign the data use agreement."),
    "rejected": gettext_lazy("Nothing: the request is closed."),
    "withdrawn": gettext_lazy("Nothing: the request was withdrawn."),
    "closed": gettext_lazy("Nothing: the request is closed."),
}

# The workflow actions these pages offer as buttons (the committee's own are on /review/).
PAGE_ACTIONS = {
    "submit": gettext_lazy("Submit request"),
    "endorse": gettext_lazy("Endorse request"),
    "resubmit": gettext_lazy("Resubmit request"),
    "withdraw": gettext_lazy("Withdraw request"),
}

_ACTION_SERVICES = {
    "submit": services.access_request_submit,
    "endorse": services.access_request_endorse,
    "resubmit": services.access_request_resubmit,
}


def request_form(
    request: HttpRequest, access_request: AccessRequest | None = None, **kwargs: Any
) -> RequestForm:
    datasets = list(selectors.catalogue_datasets())
    return RequestForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        datasets=datasets,
        taken=selectors.open_requests_by_accession(
            acting_user(request), exclude_pk=access_request.pk if access_request else None
        ),
        consent=consent_in_words(datasets),
        **kwargs,
    )


def _consent_preview(form: RequestForm) -> list[dict[str, Any]] | None:
    """The consent check of each chosen dataset against the purpose as answered so far;
    None when the purpose cannot be read yet (the form shows why)."""
    if not form.is_valid():
        return None
    chosen = form.cleaned_data.get("datasets") or []
    try:
        purpose = purpose_parse(form.purpose())
    except ValidationError as exc:
        form.add_service_errors({"purpose": [exc.message]})
        return None
    datasets = selectors.catalogue_datasets().filter(accession__in=chosen)
    return [
        {
            "dataset": dataset,
            "evaluation": consent_evaluate_dataset(dataset=dataset, purpose=purpose),
        }
        for dataset in datasets
    ]


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    mine = selectors.access_request_list_for_user(user=request.user).filter(
        applicant=acting_user(request)
    )
    # Submitted requests of the institutions the user signs for: exactly those where the
    # workflow gives them `endorse`, in one query whatever their number.
    to_endorse = (
        selectors.access_request_list_for_user(user=request.user, status=workflow.Status.SUBMITTED)
        .filter(institution_id__in=roles_of(request.user).official_for)
        .exclude(applicant=acting_user(request))
    )
    rows = [{"request": r, "next_step": NEXT_STEP.get(r.status, "")} for r in mine[:200]]
    return render(
        request,
        "access_requests/list.html",
        {
            "rows": rows,
            "to_endorse": to_endorse,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def request_new(request: HttpRequest) -> HttpResponse:
    if not can(request.user, "access_request.create"):
        return render(request, "403.html", status=403)
    # From a dataset page's "Request access" button: the form starts with that dataset.
    form = request_form(request, initial={"datasets": request.GET.getlist("dataset")[:50]})
    preview = None
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "check":
            preview = _consent_preview(form)
        elif form.is_valid():
            created = _save(request, form, None)
            if created is not None:
                messages.success(
                    request,
                    _("Draft %(ref)s saved. You can come back to it at any time.")
                    % {"ref": created.reference},
                )
                return redirect("access_requests:detail", reference=created.reference)
        status = form_status(form)
    return render(
        request,
        "access_requests/form.html",
        {"form": form, "preview": preview, "access_request": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def request_edit(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(user=request.user, reference=reference)
    if "update" not in allowed_actions_for(request.user, access_request):
        raise refusal_for(request.user, access_request, "update")
    form = request_form(request, access_request, initial=initial_from(access_request))
    preview = None
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "check":
            preview = _consent_preview(form)
        elif form.is_valid() and _save(request, form, access_request) is not None:
            messages.success(request, _("Your changes are saved."))
            return redirect("access_requests:detail", reference=access_request.reference)
        status = form_status(form)
    return render(
        request,
        "access_requests/form.html",
        {"form": form, "preview": preview, "access_request": access_request},
        status=status,
    )


def form_status(form: RequestForm) -> int:
    """The service's own status for a refusal it made (409 for a clash), 400 for the
    form's own errors."""
    if not form.errors:
        return 200
    return form.refusal_status


def _save(
    request: HttpRequest, form: RequestForm, access_request: AccessRequest | None
) -> AccessRequest | None:
    """Create or update the draft and add the attached document, if any, all or nothing:
    a refused document must not leave a half-saved draft behind (nor its audit events).
    Refusals become form errors; None means the form is shown again."""
    actor = acting_user(request)
    upload = form.cleaned_data.get("document")
    try:
        with transaction.atomic():
            if access_request is None:
                access_request = services.access_request_create(
                    applicant=actor, data=form.to_data(), actor=actor
                )
            else:
                access_request = services.access_request_update(
                    access_request=access_request, data=form.to_data(), actor=actor
                )
            if upload is not None:
                services.document_size_check(upload.size or 0)
                services.access_request_document_add(
                    access_request=access_request,
                    filename=upload.name or "",
                    content=upload.read(),
                    kind=form.cleaned_data.get("document_kind") or "other",
                    actor=actor,
                )
    except NotFound:
        raise
    except ApplicationError as exc:
        refusal_into_form(form, exc)
        return None
    return access_request


def refusal_into_form(form: RequestForm, exc: ApplicationError) -> None:
    """Whatever the service refuses, the form comes back with every entry kept and the
    refusal at the field it concerns (a clash on a dataset at the picker), with the
    service's status (form_status)."""
    form.add_service_errors(_errors_for_form(exc))
    form.refusal_status = exc.status_code


def _errors_for_form(exc: ApplicationError) -> dict[str, Any]:
    details = exc.details or {}
    if exc.code == "duplicate_open_request":
        return {"datasets": [exc.message]}
    field_errors = {k: v for k, v in details.items() if isinstance(v, list | str)}
    return field_errors or {"__all__": [exc.message]}


def refusal_for(user: Any, access_request: AccessRequest, action: str) -> ApplicationError:
    """The error the service would raise: 403 for the wrong person, 409 for the wrong
    moment."""
    try:
        services._check(access_request, action, user)
    except ApplicationError as exc:
        return exc
    return ApplicationError("Not allowed.")


@login_required
@require_POST
def consent_check(request: HttpRequest) -> HttpResponse:
    """The live consent check (htmx): the form's current answers in, a fragment out."""
    form = request_form(request)
    preview = _consent_preview(form)
    return render(
        request, "access_requests/_consent_check.html", {"preview": preview, "form": form}
    )


def _detail_context(request: HttpRequest, access_request: AccessRequest) -> dict[str, Any]:
    allowed = allowed_actions_for(request.user, access_request)
    events = selectors.access_request_events_for_user(
        user=request.user, access_request=access_request
    )
    changes = (
        [e for e in events if e.action == "access_request.changes_requested"]
        if access_request.status == workflow.Status.CHANGES_REQUESTED
        else []
    )
    return {
        "access_request": access_request,
        "changes_message": (changes[-1].data or {}).get("message", "") if changes else "",
        "is_reviewer": is_committee_viewer(request.user, access_request),
        "allowed": allowed,
        "buttons": [(a, PAGE_ACTIONS[a]) for a in PAGE_ACTIONS if a in allowed],
        "may_edit": "update" in allowed,
        "may_upload": "add_document" in allowed,
        "is_applicant": access_request.applicant_id == request.user.pk,
        "events": [(event, registry.label_for(event.action)) for event in events],
        # From the timeline already read: no query of its own.
        "appealed": any(e.action == "access_request.appealed" for e in events),
        "receipts": [
            (event, ReceiptKind((event.data or {}).get("kind", "decision")).label)
            for event in events
            if event.action == LogAudit.RECEIPT_ISSUED
        ],
        "next_step": NEXT_STEP.get(access_request.status, ""),
        **application_context(access_request),
        "outcome": (outcome := progress.outcome_of(access_request)),
        "outcome_label": progress.OUTCOME_LABELS.get(outcome or "", ""),
        "progress_steps": progress.steps(access_request),
        "document_form": DocumentForm(),
        "withdraw_form": WithdrawForm(),
    }


@login_required
@handles_service_errors
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(user=request.user, reference=reference)
    return render(request, "access_requests/detail.html", _detail_context(request, access_request))


@login_required
@require_POST
@handles_service_errors
def request_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(
        user=request.user, reference=reference, full=False
    )
    if action not in PAGE_ACTIONS:
        return render(request, "404.html", status=404)
    try:
        if action == "withdraw":
            form = WithdrawForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.access_request_withdraw(
                access_request=access_request, actor=acting_user(request), reason=reason
            )
        else:
            _ACTION_SERVICES[action](access_request=access_request, actor=acting_user(request))
    except ValidationError as exc:
        # Incomplete, or blocked by consent: the request page shows what to fix.
        access_request = selectors.access_request_get_for_user(
            user=request.user, reference=reference
        )
        context = _detail_context(request, access_request)
        context["action_error"] = exc
        return render(request, "access_requests/detail.html", context, status=400)
    done = {
        "submit": _("Request submitted."),
        "endorse": _("Request endorsed: it goes to the committee for review."),
        "resubmit": _("Request resubmitted to the committee."),
        "withdraw": _("Request withdrawn."),
    }
    messages.success(request, done[action])
    return redirect("access_requests:detail", reference=reference)


@login_required
@require_POST
@handles_service_errors
def document_upload(request: HttpRequest, reference: str) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(
        user=request.user, reference=reference, full=False
    )
    form = DocumentForm(request.POST, request.FILES)
    error: ApplicationError | None = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.document_size_check(upload.size or 0)
            services.access_request_document_add(
                access_request=access_request,
                filename=upload.name or "",
                content=upload.read(),
                kind=form.cleaned_data["kind"],
                actor=acting_user(request),
            )
        except (ValidationError, services.TooLarge) as exc:
            error = exc
        else:
            messages.success(request, _("Document added."))
            return redirect("access_requests:detail", reference=reference)
    access_request = selectors.access_request_get_for_user(user=request.user, reference=reference)
    context = _detail_context(request, access_request)
    context["document_form"] = form
    if error is not None:
        form.add_error("file", error.message)
    return render(
        request,
        "access_requests/detail.html",
        context,
        status=error.status_code if error is not None else 400,
    )


@login_required
@handles_service_errors
def document_download(request: HttpRequest, reference: str, document_id: str) -> HttpResponse:
    document = selectors.document_get_for_user(
        user=request.user, reference=reference, document_id=document_id
    )
    return document_response(document)


@login_required
@require_safe
@handles_service_errors
def receipt_download(request: HttpRequest, reference: str, seq: int) -> HttpResponse:
    """A decision's receipt (audit/receipts.py), for anyone who may see the request: it
    holds only what the request page shows, and hashes."""
    access_request = selectors.access_request_get_for_user(
        user=request.user, reference=reference, full=False
    )
    event = receipt_event_get(reference=access_request.reference, seq=seq)
    receipt = receipt_document(event, now=timezone.now())
    response = JsonResponse(receipt, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(event)}"'
    response["Cache-Control"] = "private, no-store"
    return response
