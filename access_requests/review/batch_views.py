"""The queue's batch decision: the chair ticks requests, chooses one outcome with one
reason (and conditions, for an approval), checks the decision on a confirmation page, and
records it; each request is decided by the same service as on its own page and audited
on its own (access_requests.review.services.access_requests_decide_batch)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from access_requests.models import AccessRequest
from access_requests.review import services as review_services
from access_requests.rules import is_committee_viewer
from accounts import sessions
from accounts.roles import committee_person
from dac_portal.errors import PermissionDenied
from dac_portal.text import query_values
from dac_portal.views import acting_user, handles_service_errors


def _chosen(request: HttpRequest) -> list[AccessRequest]:
    """The ticked requests the caller may see (others are ignored, as if not ticked)."""
    references = query_values(request.POST.getlist("requests"), review_services.BATCH_LIMIT + 1)
    found = (
        AccessRequest.objects.filter(reference__in=references)
        .select_related("committee", "institution", "applicant")
        .order_by("reference")
    )
    return [r for r in found if is_committee_viewer(request.user, r)]


def _conditions(request: HttpRequest) -> list[str]:
    """One per line in the queue's box; one field each on the confirmation page."""
    given = (
        request.POST.getlist("batch_condition")
        or request.POST.get("batch_conditions", "").splitlines()
    )
    return [line.strip() for line in given if line.strip()][:50]


@login_required
@require_POST
@handles_service_errors
def batch_decision(request: HttpRequest) -> HttpResponse:
    if not committee_person(request.user):
        raise PermissionDenied("Only committee chairs decide requests.")
    if not sessions.recently_authenticated(request):
        # A decision binds the committee: a session cookie alone must not record one.
        return sessions.reauth_redirect(request, reverse("access_requests:review-queue"))
    chosen = _chosen(request)
    decision = request.POST.get("batch_decision", "")
    reason = request.POST.get("batch_reason", "")
    conditions = _conditions(request)
    # Refused with the reasons (400) before the confirmation page: nothing is written.
    reason = review_services.batch_decision_check(
        decision=decision, reason=reason, conditions=conditions, count=len(chosen)
    )
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "access_requests/review/confirm_batch.html",
            {"chosen": chosen, "decision": decision, "reason": reason, "conditions": conditions},
        )
    outcomes = review_services.access_requests_decide_batch(
        access_requests=chosen,
        decision=decision,
        reason=reason,
        conditions=conditions,
        actor=acting_user(request),
    )
    _report(request, outcomes)
    return redirect("access_requests:review-queue")


def _report(request: HttpRequest, outcomes: list[Any]) -> None:
    decided = [o.reference for o in outcomes if o.decided]
    if decided:
        messages.success(
            request,
            ngettext(
                "%(count)d request decided: %(refs)s.",
                "%(count)d requests decided: %(refs)s.",
                len(decided),
            )
            % {"count": len(decided), "refs": ", ".join(decided)},
        )
    for outcome in outcomes:
        if not outcome.decided:
            messages.error(
                request,
                _("%(ref)s was not decided: %(why)s")
                % {"ref": outcome.reference, "why": outcome.message},
            )
