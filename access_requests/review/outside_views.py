"""Pages of an outside reviewer (access_requests/review/outside.py): the e-mailed
invitation link and their own page of the one request they were invited to, with the
opinion form (and the vote form where the committee counts their vote). Thin: parse, call
one selector or service, redirect. A refused opinion or vote comes back on the page with
the reason, what they typed, and the refusal's status code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access_requests.application_summary import application_context
from access_requests.models import VoteChoice
from access_requests.review import outside
from access_requests.review import services as review_services
from dac_portal.errors import ApplicationError, NotFound
from dac_portal.views import acting_user, handles_service_errors

PAGE = "access_requests/review/outside_reviewer.html"


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """GET says who invites whom to what, and why this account may not accept it if so
    (with the status the acceptance would get); POST accepts it for this account."""
    user = acting_user(request)
    if request.method == "POST":
        reviewer = outside.outside_reviewer_invitation_accept(token=token, actor=user)
        messages.success(request, _("Invitation accepted: here is the request to review."))
        return redirect("access_requests:outside-review", public_id=reviewer.public_id)
    reviewer, digest = outside.outside_invitation_by_token(token)
    refusal = outside.outside_invitation_refusal(reviewer, digest, user)
    return render(
        request,
        "access_requests/review/outside_invitation.html",
        {"reviewer": reviewer, "refusal": refusal},
        status=refusal.status_code if refusal else 200,
    )


def _page(
    request: HttpRequest, public_id: str, *, error: ApplicationError | None = None
) -> HttpResponse:
    review = outside.outside_review_for_user(user=request.user, public_id=public_id)
    posted = request.POST if error is not None else {}
    context: dict[str, Any] = {
        "review": review,
        "access_request": review.access_request,
        "r": review.access_request,
        **application_context(review.access_request),
        "vote_choices": VoteChoice.choices,
        "action_error": error,
        # After a refusal, the opinion as they typed it (else the one they gave).
        "opinion_text": posted.get("opinion", review.reviewer.opinion),
        "rationale_text": posted.get("rationale", ""),
    }
    return render(request, PAGE, context, status=error.status_code if error else 200)


@login_required
@require_http_methods(["GET"])
@handles_service_errors
def review_page(request: HttpRequest, public_id: str) -> HttpResponse:
    return _page(request, public_id)


def _act(request: HttpRequest, public_id: str, call: Any, done: str) -> HttpResponse:
    """One form of the page: the reviewer's own invitation (404 for anyone else), one
    service call, back to the page (with the reason and what they typed, when refused)."""
    user = acting_user(request)
    reviewer = outside.outside_reviewer_get_for_user(user=user, public_id=public_id)
    try:
        call(reviewer, request.POST, user)
    except NotFound:
        raise
    except ApplicationError as exc:
        return _page(request, public_id, error=exc)
    messages.success(request, done)
    return redirect("access_requests:outside-review", public_id=reviewer.public_id)


def _give_opinion(reviewer: Any, post: Any, user: Any) -> None:
    outside.outside_reviewer_opinion_give(
        reviewer=reviewer, opinion=post.get("opinion", ""), actor=user
    )


def _vote(reviewer: Any, post: Any, user: Any) -> None:
    # The committee's own vote service, which refuses it (403) where the committee does
    # not count outside reviewers' votes.
    review_services.access_request_vote(
        access_request=reviewer.access_request,
        vote=post.get("vote", ""),
        rationale=post.get("rationale", ""),
        dataset=post.get("dataset") or None,
        actor=user,
    )


@login_required
@require_POST
@handles_service_errors
def opinion(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(
        request,
        public_id,
        _give_opinion,
        _("Your opinion is saved. You can revise it until the decision."),
    )


@login_required
@require_POST
@handles_service_errors
def vote(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(
        request,
        public_id,
        _vote,
        _("Your vote is recorded. You can change it until the decision."),
    )
