"""Pages of a collaborator's own access: the e-mailed invitation link, the page where the
collaborator reads and signs the agreement (and may leave), and the applicant's remove and
send-again buttons. Thin, like agreements.views: parse, call one selector or service,
redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import collaborator_workflow, forms, rendering, selectors, services
from agreements.models import CollaboratorAccess
from agreements.rules import collaborator_roles
from dac_portal.views import acting_user, handles_service_errors


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows who invited whom to what; POST accepts it for the signed-in account."""
    user = acting_user(request)
    if request.method == "POST":
        access = services.collaborator_invitation_accept(token=token, actor=user)
        messages.success(request, _("Invitation accepted: read the agreement and sign it."))
        return redirect("agreements:collaboration", public_id=access.public_id)
    access, _digest = selectors.invitation_by_token(token)
    return render(
        request,
        "agreements/collaboration_invitation.html",
        {
            "access": access,
            "access_request": access.access_request,
            "for_this_account": collaborator_workflow.Role.INVITEE
            in collaborator_roles(user, access),
        },
    )


def _page(request: HttpRequest, access: CollaboratorAccess, **bound: Any) -> dict[str, Any]:
    user = acting_user(request)
    allowed = collaborator_workflow.MACHINE.allowed_actions(
        access.status, collaborator_roles(user, access)
    )
    agreement = selectors.agreement_of_request(access_request_id=access.access_request_id)
    may_sign = "sign" in allowed and agreement is not None
    return {
        "access": access,
        "access_request": access.access_request,
        "agreement": agreement,
        # Sanitised by nh3 in rendering.to_html: only harmless tags and attributes remain.
        "agreement_html": mark_safe(rendering.to_html(agreement.text, heading_offset=1))  # noqa: S308
        if agreement is not None
        else "",
        "sign_form": bound.get("sign_form")
        or (
            forms.CollaboratorSignForm(initial={"text_sha256": agreement.text_sha256})
            if may_sign and agreement is not None
            else None
        ),
        "leave_form": forms.OptionalReasonForm(prefix="leave") if "leave" in allowed else None,
        "remove_form": forms.OptionalReasonForm(prefix="remove") if "remove" in allowed else None,
        "may_resend": "resend_invitation" in allowed,
        "grants": selectors.grants_of_request(access_request=access.access_request)
        if access.status == "signed"
        else [],
    }


@login_required
@require_GET
@handles_service_errors
def collaboration(request: HttpRequest, public_id: str) -> HttpResponse:
    access = selectors.collaboration_get_for_user(user=acting_user(request), public_id=public_id)
    return render(request, "agreements/collaboration.html", _page(request, access))


@login_required
@require_POST
@handles_service_errors
def sign(request: HttpRequest, public_id: str) -> HttpResponse:
    user = acting_user(request)
    access = selectors.collaboration_get_for_user(user=user, public_id=public_id)
    form = forms.CollaboratorSignForm(request.POST)
    if not form.is_valid():
        context = _page(request, access, sign_form=form)
        return render(request, "agreements/collaboration.html", context, status=400)
    services.collaborator_sign(
        access=access,
        actor=user,
        text_sha256=form.cleaned_data["text_sha256"],
        accept=form.cleaned_data["accept"],
    )
    messages.success(request, _("Agreement signed: the request's active grants now cover you."))
    return redirect("agreements:collaboration", public_id=access.public_id)


def _ending(
    request: HttpRequest, public_id: str, prefix: str
) -> tuple[Any, CollaboratorAccess, str]:
    user = acting_user(request)
    access = selectors.collaboration_get_for_user(user=user, public_id=public_id)
    form = forms.OptionalReasonForm(request.POST, prefix=prefix)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return user, access, reason


@login_required
@require_POST
@handles_service_errors
def leave(request: HttpRequest, public_id: str) -> HttpResponse:
    user, access, reason = _ending(request, public_id, "leave")
    services.collaborator_leave(access=access, actor=user, reason=reason)
    messages.success(request, _("You have left the request: your access under it has ended."))
    return redirect("agreements:collaboration", public_id=access.public_id)


@login_required
@require_POST
@handles_service_errors
def remove(request: HttpRequest, public_id: str) -> HttpResponse:
    user, access, reason = _ending(request, public_id, "remove")
    services.collaborator_remove(access=access, actor=user, reason=reason)
    messages.success(request, _("Collaborator removed: their access has ended."))
    return redirect("agreements:agreement", reference=access.access_request.reference)


@login_required
@require_POST
@handles_service_errors
def resend(request: HttpRequest, public_id: str) -> HttpResponse:
    user = acting_user(request)
    access = selectors.collaboration_get_for_user(user=user, public_id=public_id)
    services.collaborator_invitation_resend(access=access, actor=user)
    messages.success(request, _("Invitation sent again."))
    return redirect("agreements:agreement", reference=access.access_request.reference)
