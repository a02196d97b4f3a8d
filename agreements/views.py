"""Pages of agreements and grants: /grants/, /grants/<ref>/, the agreement page of a
request, its signed copy, and the public JWKS. Thin: parse, call one selector or service,
render; refusals become messages and status codes through handles_service_errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts import sessions
from accounts.permissions import can, require
from agreements import forms, rendering, selectors, services, visas, workflow
from agreements.models import Grant, GrantStatus, Renewal
from agreements.rules import grant_roles
from dac_portal.errors import NotFound
from dac_portal.views import acting_user, handles_service_errors

GRANTS_PER_PAGE = 50

# action -> (form, call(grant, user, cleaned data), success message)
GrantCall = Callable[[Grant, Any, dict[str, Any]], Any]
GRANT_ACTIONS: dict[str, tuple[type, GrantCall, Any]] = {
    "suspend": (
        forms.ReasonForm,
        lambda g, u, d: services.grant_suspend(grant=g, actor=u, reason=d["reason"]),
        _("Grant suspended."),
    ),
    "revoke": (
        forms.ReasonForm,
        lambda g, u, d: services.grant_revoke(grant=g, actor=u, reason=d["reason"]),
        _("Grant revoked."),
    ),
    "reinstate": (
        forms.ReasonForm,
        lambda g, u, d: services.grant_reinstate(grant=g, actor=u, reason=d["reason"]),
        _("Grant reinstated."),
    ),
    "request_renewal": (
        forms.RenewalRequestForm,
        lambda g, u, d: services.grant_renewal_request(
            grant=g, actor=u, justification=d["justification"]
        ),
        _("Renewal requested: the committee will review it."),
    ),
    "renew": (
        forms.RenewalDecisionForm,
        lambda g, u, d: services.grant_renewal_decide(
            grant=g, actor=u, decision=d["decision"], reason=d["reason"]
        ),
        _("Renewal decided."),
    ),
    "vote_renewal": (
        forms.RenewalVoteForm,
        lambda g, u, d: services.grant_renewal_vote(
            grant=g, actor=u, vote=d["vote"], rationale=d["rationale"]
        ),
        _("Vote recorded."),
    ),
    "report": (
        forms.ProgressReportForm,
        lambda g, u, d: services.progress_report_submit(
            grant=g,
            actor=u,
            summary=d["summary"],
            publications=d["publications"],
            purpose_changes=d["purpose_changes"],
            findings=d["findings"],
        ),
        _("Progress report filed."),
    ),
    "attest_destruction": (
        forms.DestructionForm,
        lambda g, u, d: services.grant_attest_destruction(
            grant=g, actor=u, statement=d["statement"], findings=d.get("findings")
        ),
        _("Destruction attested."),
    ),
}


def _form_class(action: str, grant: Grant, roles: frozenset[str]) -> type:
    """The holder's close-out asks for the findings too; the official's does not."""
    form_class = GRANT_ACTIONS[action][0]
    if action == "attest_destruction" and workflow.Role.HOLDER in roles:
        close_out = getattr(grant, "close_out", None)
        if close_out is None or close_out.researcher_attested_at is None:
            return forms.HolderDestructionForm
    return form_class


def _split_fields(form: Any) -> tuple[list[Any], list[Any]]:
    """(the form's own fields, its findings fields): the page groups the second."""
    plain: list[Any] = []
    findings: list[Any] = []
    for field in form:
        (findings if field.name.startswith(forms.FINDINGS_FIELD_PREFIX) else plain).append(field)
    return plain, findings


def _cleaned(form: Any) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    if isinstance(form, forms.FindingsFields):
        data["findings"] = form.findings()
    return data


@login_required
@require_GET
def grant_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    wanted = request.GET.get("status") or None
    if wanted not in GrantStatus.values:
        wanted = None
    paginator = Paginator(selectors.grant_list_for_user(user=user, status=wanted), GRANTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/grant_list.html",
        {
            "grants": list(page.object_list),
            "page": page,
            "statuses": GrantStatus.choices,
            "wanted": wanted or "",
            "notices": list(selectors.open_withdrawal_notices_for(user=user)),
            "collaborations_to_sign": selectors.collaborations_to_sign(user=user),
            **selectors.agreements_awaiting(user=user),
        },
    )


def _renewal_votes(roles: frozenset[str], renewal: Renewal | None, user_id: int) -> dict[str, Any]:
    """The committee's votes and tally on a waiting renewal it decides, and the reader's own
    vote: for its chairs and voting members, never for the holder."""
    if renewal is None or not renewal.by_committee:
        return {}
    if not roles & workflow.RENEWAL_VOTE_READERS:
        return {}
    votes = selectors.renewal_votes(renewal)
    return {
        "renewal_votes": votes,
        "renewal_tally": selectors.renewal_tally(renewal),
        "my_renewal_vote": next((v for v in votes if v.voter_id == user_id), None),
    }


def _detail_context(request: HttpRequest, grant: Grant, bound: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    user = acting_user(request)
    roles = grant_roles(user, grant)
    allowed = workflow.allowed_actions(grant.status, roles)
    pending_renewal = next(
        (r for r in grant.renewals.all() if r.status == Renewal.Status.PENDING), None
    )
    if pending_renewal is None or not pending_renewal.by_committee:
        # Votes are asked only on a renewal the committee decides.
        allowed = [a for a in allowed if a != "vote_renewal"]
    else:
        # A chair votes too: their vote comes first, then the decision it counts towards,
        # not after the suspension and revocation forms (the others keep their order).
        allowed.sort(key=lambda action: action != "vote_renewal")
    if pending_renewal is None and "renew" in allowed:
        allowed.remove("renew")
    if pending_renewal is not None and "request_renewal" in allowed:
        allowed.remove("request_renewal")
    action_forms = []
    for action in allowed:
        if action not in GRANT_ACTIONS:
            continue
        form_class = _form_class(action, grant, roles)
        form = (bound or {}).get(action) or form_class(prefix=action)
        plain, findings_fields = _split_fields(form)
        action_forms.append(
            {"action": action, "form": form, "fields": plain, "findings_fields": findings_fields}
        )
    notices = [
        {
            "notice": n,
            "form": forms.AcknowledgeForm(
                initial={"notice": n.public_id}, prefix=f"ack-{n.public_id}"
            ),
        }
        for n in grant.withdrawal_notices.all()
        if n.holder_id == user.pk and n.acknowledged_at is None
    ]
    return {
        "grant": grant,
        "action_forms": action_forms,
        "pending_renewal": pending_renewal,
        **_renewal_votes(roles, pending_renewal, user.pk),
        "notices": notices,
        "all_notices": list(grant.withdrawal_notices.all()),
        "may_oversee": can(user, "grant.oversee", grant),
        "events": selectors.grant_events(grant=grant, user=user),
        "consent_conditions": selectors.grant_consent_conditions(grant),
        "collaborators": selectors.collaborators_of(access_request=grant.access_request),
        "findings": selectors.grant_findings(grant=grant, roles=roles),
    }


@login_required
@require_GET
@handles_service_errors
def grant_detail(request: HttpRequest, reference: str) -> HttpResponse:
    grant = selectors.grant_get_for_user(user=acting_user(request), reference=reference)
    return render(request, "agreements/grant_detail.html", _detail_context(request, grant))


@login_required
@require_POST
@handles_service_errors
def grant_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    user = acting_user(request)
    grant = selectors.grant_get_for_user(user=user, reference=reference)
    if action == "acknowledge":
        return _acknowledge(request, grant)
    if action not in GRANT_ACTIONS:
        raise NotFound("No such action.")
    if action == "revoke" and not sessions.recently_authenticated(request):
        # A revocation ends someone's access at once: it needs a recent password check,
        # not just a session cookie (accounts.sessions). Back to the grant page after it.
        return sessions.reauth_redirect(
            request, reverse("agreements:grant", kwargs={"reference": grant.reference})
        )
    _form, call, done = GRANT_ACTIONS[action]
    form = _form_class(action, grant, grant_roles(user, grant))(request.POST, prefix=action)
    if not form.is_valid():
        context = _detail_context(request, grant, bound={action: form})
        return render(request, "agreements/grant_detail.html", context, status=400)
    call(grant, user, _cleaned(form))
    messages.success(request, done)
    return redirect("agreements:grant", reference=grant.reference)


def _acknowledge(request: HttpRequest, grant: Grant) -> HttpResponse:
    user = acting_user(request)
    prefix = next((k[: -len("-notice")] for k in request.POST if k.endswith("-notice")), "")
    form = forms.AcknowledgeForm(request.POST, prefix=prefix or None)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm the deletion."))
        context = _detail_context(request, grant)
        return render(request, "agreements/grant_detail.html", context, status=400)
    notice = selectors.withdrawal_notice_get_for_user(
        user=user, grant=grant, notice_id=form.cleaned_data["notice"]
    )
    services.withdrawal_acknowledge(notice=notice, actor=user, confirm_deletion=True)
    messages.success(request, _("Thank you: the deletion is recorded."))
    return redirect("agreements:grant", reference=grant.reference)


# Publishing findings on the public register: action -> (service, success message).
FINDINGS_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "publish": (services.findings_publish, _("Findings published on the public register.")),
    "unpublish": (
        services.findings_unpublish,
        _("Findings withdrawn from the public register."),
    ),
}


@login_required
@require_POST
@handles_service_errors
def findings_action(
    request: HttpRequest, reference: str, findings_id: str, action: str
) -> HttpResponse:
    """The committee publishes findings, or withdraws them (POST forms of the grant page:
    no JavaScript needed)."""
    user = acting_user(request)
    grant = selectors.grant_get_for_user(user=user, reference=reference)
    if action not in FINDINGS_ACTIONS:
        raise NotFound("No such action.")
    findings = selectors.findings_get(grant=grant, findings_id=findings_id)
    call, done = FINDINGS_ACTIONS[action]
    call(findings=findings, actor=user)
    messages.success(request, done)
    return redirect(
        reverse("agreements:grant", kwargs={"reference": grant.reference}) + "#findings-heading"
    )


# -- agreement page --------------------------------------------------------------------------


def _agreement_context(request: HttpRequest, agreement: Any, **forms_: Any) -> dict[str, Any]:
    user = acting_user(request)
    access_request = agreement.access_request
    approved = access_request.status == "approved"
    may_sign = approved and access_request.applicant_id == user.pk and not agreement.is_signed
    may_countersign = (
        approved
        and agreement.countersignature_required
        and agreement.is_signed
        and agreement.countersigned_at is None
        and access_request.institution is not None
        and can(user, "institution.sign_for", access_request.institution)
    )
    initial = {"text_sha256": agreement.text_sha256}
    return {
        "agreement": agreement,
        "access_request": access_request,
        # Sanitised by nh3 in rendering.to_html: only harmless tags and attributes remain.
        "agreement_html": mark_safe(rendering.to_html(agreement.text, heading_offset=1)),  # noqa: S308
        "grants": selectors.grants_of_request(access_request=access_request),
        "collaborators": selectors.collaborators_of(access_request=access_request),
        "is_applicant": access_request.applicant_id == user.pk,
        "sign_form": forms_.get("sign_form")
        or (forms.SignForm(initial=initial) if may_sign else None),
        "countersign_form": forms_.get("countersign_form")
        or (forms.CountersignForm(initial=initial) if may_countersign else None),
    }


@login_required
@require_GET
@handles_service_errors
def agreement_page(request: HttpRequest, reference: str) -> HttpResponse:
    agreement = selectors.agreement_get_for_user(user=acting_user(request), reference=reference)
    return render(request, "agreements/agreement.html", _agreement_context(request, agreement))


@login_required
@require_POST
@handles_service_errors
def agreement_sign(request: HttpRequest, reference: str) -> HttpResponse:
    user = acting_user(request)
    agreement = selectors.agreement_get_for_user(user=user, reference=reference)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        context = _agreement_context(request, agreement, sign_form=form)
        return render(request, "agreements/agreement.html", context, status=400)
    services.agreement_sign(
        agreement=agreement,
        actor=user,
        text_sha256=form.cleaned_data["text_sha256"],
        accept=form.cleaned_data["accept"],
    )
    messages.success(request, _("Agreement signed."))
    return redirect("agreements:agreement", reference=reference)


@login_required
@require_POST
@handles_service_errors
def agreement_countersign(request: HttpRequest, reference: str) -> HttpResponse:
    user = acting_user(request)
    agreement = selectors.agreement_get_for_user(user=user, reference=reference)
    form = forms.CountersignForm(request.POST)
    if not form.is_valid():
        context = _agreement_context(request, agreement, countersign_form=form)
        return render(request, "agreements/agreement.html", context, status=400)
    services.agreement_countersign(
        agreement=agreement, actor=user, text_sha256=form.cleaned_data["text_sha256"]
    )
    messages.success(request, _("Agreement countersigned: the grants are active."))
    return redirect("agreements:agreement", reference=reference)


@login_required
@require_GET
@handles_service_errors
def agreement_download(request: HttpRequest, reference: str) -> HttpResponse:
    user = acting_user(request)
    agreement = selectors.agreement_get_for_user(user=user, reference=reference)
    if not selectors.is_agreement_party(user, agreement):
        raise NotFound("This request has no agreement.")
    response = HttpResponse(
        services.signed_copy(agreement), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="agreement-{reference}.md"'
    return response


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(visas.jwks(timezone.now()))
    response["Cache-Control"] = "public, max-age=300"
    return response


# -- sanctions -------------------------------------------------------------------------------


def _sanctions_page(request: HttpRequest, form: Any = None, status: int = 200) -> HttpResponse:
    user = acting_user(request)
    sanctions = list(selectors.sanction_list_for_user(user=user)[:200])
    now = timezone.now()
    rows = [
        {
            "sanction": s,
            "in_force": s.lifted_at is None
            and s.starts_at <= now
            and (s.ends_at is None or s.ends_at > now),
            "lift_form": forms.LiftForm(prefix=f"lift-{s.public_id}"),
        }
        for s in sanctions
    ]
    return render(
        request,
        "agreements/sanctions.html",
        {"rows": rows, "form": form or forms.SanctionForm()},
        status=status,
    )


@login_required
@handles_service_errors
def sanctions(request: HttpRequest) -> HttpResponse:
    from datetime import datetime, time

    from django.contrib.auth import get_user_model

    user = acting_user(request)
    require(user, "sanction.manage", message="Only administrators and chairs manage sanctions.")
    if request.method != "POST":
        return _sanctions_page(request)
    form = forms.SanctionForm(request.POST)
    if not form.is_valid():
        return _sanctions_page(request, form, status=400)
    data = form.cleaned_data
    subject = None
    if data["username"]:
        subject = get_user_model().objects.filter(username=data["username"]).first()
        if subject is None:
            form.add_error("username", _("No user with this name."))
            return _sanctions_page(request, form, status=400)
    ends_at = None
    if data["ends_on"]:
        ends_at = timezone.make_aware(datetime.combine(data["ends_on"], time.min))
    services.sanction_impose(
        actor=user,
        reason=data["reason"],
        user=subject,
        institution=data["institution"],
        ends_at=ends_at,
    )
    messages.success(request, _("Sanction imposed: the subject's active grants are suspended."))
    return redirect("agreements:sanctions")


@login_required
@require_POST
@handles_service_errors
def sanction_lift(request: HttpRequest, sanction_id: str) -> HttpResponse:
    user = acting_user(request)
    sanction = selectors.sanction_get_for_user(user=user, sanction_id=sanction_id)
    form = forms.LiftForm(request.POST, prefix=f"lift-{sanction.public_id}")
    if not form.is_valid():
        messages.error(request, _("Give a reason to lift the sanction."))
        return _sanctions_page(request, status=400)
    services.sanction_lift(sanction=sanction, actor=user, reason=form.cleaned_data["reason"])
    messages.success(request, _("Sanction lifted."))
    return redirect("agreements:sanctions")
