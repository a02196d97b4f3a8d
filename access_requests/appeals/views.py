"""The appeal page of a request, `/requests/<ref>/appeal/` (issue 18): the applicant files
an appeal of a rejection there; the panel reads the statement, votes and records the
decision; everyone who sees the request sees whether it was appealed and how the appeal
ended. Thin: forms parse, access_requests.appeals.services changes state, panel reads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from access_requests import appeal_panel as panel
from access_requests import selectors, workflow
from access_requests.appeals import services
from access_requests.appeals.deliberations import sees_deliberations
from access_requests.appeals.forms import AppealDecisionForm, AppealForm, AppealVoteForm
from access_requests.models import AccessRequest, Appeal, AppealVote
from access_requests.rules import allowed_actions_for
from accounts.models import User
from dac_portal.errors import ApplicationError
from dac_portal.views import acting_user, handles_service_errors

A = workflow.Action


def _panel_context(user: Any, access_request: AccessRequest, appeal: Appeal) -> dict[str, Any]:
    if not sees_deliberations(user, access_request, appeal):
        return {}
    members = panel.panel_ids(appeal) if appeal.status == "pending" else set()
    votes = list(
        AppealVote.objects.filter(appeal=appeal).select_related("voter").order_by("cast_at")
    )
    return {
        "sees_votes": True,
        "votes": votes,
        "tally": panel.appeal_tally(appeal, members) if appeal.status == "pending" else None,
        "panel_members": list(User.objects.filter(pk__in=members).order_by("last_name")),
        "took_part": user.pk in appeal.took_part,
        "my_vote": next((v for v in votes if v.voter_id == user.pk), None),
    }


def _page(
    request: HttpRequest,
    access_request: AccessRequest,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = acting_user(request)
    appeal = panel.appeal_of(access_request)
    allowed = allowed_actions_for(user, access_request)
    closes_on = panel.appeal_closes_on(access_request)
    bound = bound or {}
    context: dict[str, Any] = {
        "r": access_request,
        "appeal": appeal,
        "closes_on": closes_on,
        "may_appeal": A.APPEAL in allowed
        and appeal is None
        and closes_on is not None
        and timezone.localdate() <= closes_on,
        "window_passed": appeal is None
        and closes_on is not None
        and timezone.localdate() > closes_on,
        "may_vote": A.VOTE_APPEAL in allowed,
        "may_decide": A.DECIDE_APPEAL in allowed,
        "appeal_form": bound.get(A.APPEAL) or AppealForm(),
        "vote_form": bound.get(A.VOTE_APPEAL) or AppealVoteForm(),
        "decision_form": bound.get(A.DECIDE_APPEAL) or AppealDecisionForm(),
    }
    if appeal is not None:
        context.update(_panel_context(user, access_request, appeal))
    return render(request, "access_requests/appeal.html", context, status=status)


def _request_of(request: HttpRequest, reference: str) -> AccessRequest:
    return selectors.access_request_get_for_user(
        user=acting_user(request), reference=reference, full=False
    )


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def appeal_page(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the appeal (or the form to file one); POST: the applicant files it."""
    if request.method == "GET":
        return _page(request, _request_of(request, reference))
    return _act(
        request,
        reference,
        A.APPEAL,
        AppealForm,
        lambda r, u, d: services.appeal_file(access_request=r, actor=u, **d),
        _("Appeal filed: a panel of people who took no part in the decision will hear it."),
    )


def _act(
    request: HttpRequest,
    reference: str,
    action: str,
    form_class: type[forms.Form],
    call: Any,
    done: Any,
) -> HttpResponse:
    """Check the caller may act, parse one form, call one service; a refusal shows the
    page again with the reason and the service's status code (nothing changed)."""
    access_request = _request_of(request, reference)
    user = acting_user(request)
    form = form_class(request.POST)
    try:
        services.require_may(access_request, user, action)
        if not form.is_valid():
            return _page(request, access_request, bound={action: form}, status=400)
        call(access_request, user, form.cleaned_data)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _page(request, access_request, bound={action: form}, status=refused.status_code)
    messages.success(request, done)
    return redirect("access_requests:appeal", reference=access_request.reference)


# The panel's two acts: action -> (form, service call, what to say once done).
PANEL_ACTS: dict[str, tuple[type[forms.Form], Any, Any]] = {
    A.VOTE_APPEAL: (
        AppealVoteForm,
        lambda r, u, d: services.appeal_vote(access_request=r, actor=u, **d),
        _("Vote recorded."),
    ),
    A.DECIDE_APPEAL: (
        AppealDecisionForm,
        lambda r, u, d: services.appeal_decide(access_request=r, actor=u, **d),
        _("The panel's decision is recorded; the applicant is told."),
    ),
}


@login_required
@require_POST
@handles_service_errors
def panel_act(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """A panel member's vote (`…/appeal/vote/`) or decision (`…/appeal/decision/`)."""
    form_class, call, done = PANEL_ACTS[action]
    return _act(request, reference, action, form_class, call, done)
