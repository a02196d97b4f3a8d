"""Pages of the committee review: the queue (/review/) and the review page of one request
(/review/<ref>/) with its forms for votes, recusal, notes and the chair's actions. Thin:
each calls one selector or service. Forms post without JavaScript; a refused action
re-renders the review page with the reason and the refusal's status code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from access_requests import conflicts, selectors
from access_requests.application_summary import application_context
from access_requests.models import AccessRequest, OutsideReviewerKind, ReviewMode, VoteChoice
from access_requests.review import decision_form, outside
from access_requests.review import selectors as review_selectors
from access_requests.review import services as review_services
from access_requests.rules import allowed_actions_for
from accounts import sessions
from accounts.models import Committee, Institution, User
from accounts.roles import committee_person, roles_of
from consent.reconsent import open_flags_by_dataset
from dac_portal.errors import ApplicationError, NotFound, ValidationError
from dac_portal.text import query_values
from dac_portal.views import acting_user, handles_service_errors, next_page_query

STATUS_FILTERS = [
    ("under_review", gettext_lazy("Under review")),
    ("changes_requested", gettext_lazy("Changes requested")),
    ("submitted", gettext_lazy("Awaiting endorsement")),
    ("approved", gettext_lazy("Approved")),
    ("rejected", gettext_lazy("Rejected")),
]
SORT_CHOICES = [
    ("waiting", _("Longest waiting first")),
    ("newest", _("Most recently routed first")),
    ("due", _("Nearest due date first")),
]
CONSENT_FILTERS = [
    ("", gettext_lazy("Any")),
    ("compatible", gettext_lazy("Compatible")),
    ("needs_review", gettext_lazy("Needs review")),
    ("incompatible", gettext_lazy("Incompatible")),
]


def _vote(access_request: AccessRequest, post: Any, actor: Any) -> None:
    review_services.access_request_vote(
        access_request=access_request,
        vote=post.get("vote", ""),
        rationale=post.get("rationale", ""),
        dataset=post.get("dataset") or None,
        actor=actor,
    )


def _recuse(access_request: AccessRequest, post: Any, actor: Any) -> None:
    review_services.access_request_recuse(
        access_request=access_request, reason=post.get("reason", ""), actor=actor
    )


def _note(access_request: AccessRequest, post: Any, actor: Any) -> None:
    review_services.access_request_note_add(
        access_request=access_request, body=post.get("body", ""), actor=actor
    )


def _request_changes(access_request: AccessRequest, post: Any, actor: Any) -> None:
    review_services.access_request_request_changes(
        access_request=access_request, message=post.get("message", ""), actor=actor
    )


def _waive_conflict(access_request: AccessRequest, post: Any, actor: Any) -> None:
    names = query_values([post.get("member", "")], 1)
    member = User.objects.filter(username=names[0], is_active=True).first() if names else None
    review_services.access_request_conflict_waive(
        access_request=access_request, member=member, reason=post.get("reason", ""), actor=actor
    )


def _invite_outside(access_request: AccessRequest, post: Any, actor: Any) -> None:
    outside.outside_reviewer_invite(
        access_request=access_request,
        name=post.get("outside_name", ""),
        email=post.get("outside_email", ""),
        kind=post.get("outside_kind", ""),
        actor=actor,
    )


def _end_outside(access_request: AccessRequest, post: Any, actor: Any) -> None:
    reviewer = outside.outside_reviewer_of_request(access_request, post.get("outside_reviewer"))
    outside.outside_reviewer_end(reviewer=reviewer, actor=actor)


# The review forms that are one service call each: action -> (call, success message).
SIMPLE_ACTIONS: dict[str, tuple[Any, Any]] = {
    "vote": (_vote, _("Your vote is recorded. You can change it until the decision.")),
    "recuse": (_recuse, _("You recused yourself from this request.")),
    "note": (_note, _("Note added.")),
    "request-changes": (_request_changes, _("The applicant is asked for changes.")),
    "waive-conflict": (
        _waive_conflict,
        _("The conflict is waived: the member takes part in the review."),
    ),
    "outside-reviewers": (
        _invite_outside,
        gettext_lazy("The invitation is sent: the link in it works once, for 30 days."),
    ),
    "end-outside-reviewer": (
        _end_outside,
        gettext_lazy("The outside reviewer's access has ended."),
    ),
}


ACTIONS = {"decide", "assign", *SIMPLE_ACTIONS}


@login_required
@require_http_methods(["GET", "POST"])
@handles_service_errors
def review_queue(request: HttpRequest) -> HttpResponse:
    if not committee_person(request.user):
        return render(request, "403.html", status=403)
    if request.method == "POST":
        return _bulk_assign(request)
    try:
        filters = review_selectors.QueueFilters.parse(request.GET)
        page = review_selectors.review_queue_for_user(
            user=request.user,
            filters=filters,
            after=request.GET.get("after", ""),
            limit=_page_size(request),
        )
    except ValidationError as exc:
        messages.error(request, exc.message)
        filters = review_selectors.QueueFilters()
        page = review_selectors.review_queue_for_user(user=request.user, filters=filters)
        status = 400
    else:
        status = 200
    chaired = review_selectors.chaired_committee_ids(request.user)
    chair_committees = [c for c in page.committees if c.pk in chaired]
    next_query = next_page_query(request, "after", page.next_cursor)
    return render(
        request,
        "access_requests/review/queue.html",
        {
            "page": page,
            "filters": filters,
            "status_filters": STATUS_FILTERS,
            "consent_filters": CONSENT_FILTERS,
            "sort_choices": SORT_CHOICES,
            "institutions": Institution.objects.order_by("name")[:500],
            "may_assign": bool(chair_committees) and filters.status == "under_review",
            "chair_committees": [
                (c, review_selectors.review_mode(c), review_selectors.outside_votes_count(c))
                for c in chair_committees
            ],
            "review_modes": ReviewMode.choices,
            "members": (
                review_selectors.voting_members(chair_committees) if chair_committees else []
            ),
            "next_query": next_query,
        },
        status=status,
    )


def _page_size(request: HttpRequest) -> int:
    text = request.GET.get("page_size", "")
    if text.isdigit():
        return min(max(int(text), 1), review_selectors.MAX_PAGE_SIZE)
    return review_selectors.QUEUE_PAGE_SIZE


def _bulk_assign(request: HttpRequest) -> HttpResponse:
    references = query_values(request.POST.getlist("requests"), 200)
    reviewer_names = query_values(request.POST.getlist("reviewers"), 50)
    visible = []
    for reference in references:
        visible.append(
            review_selectors.review_request_for_user(user=request.user, reference=reference)
        )
    reviewers = list(User.objects.filter(username__in=reviewer_names, is_active=True))
    if len(reviewers) != len(set(reviewer_names)):
        raise ValidationError("Unknown reviewer.", details={"reviewers": ["Unknown user."]})
    count = review_services.reviewers_assign(
        access_requests=visible, reviewers=reviewers, actor=acting_user(request)
    )
    messages.success(request, _("%(count)d assignments made.") % {"count": count})
    return redirect("access_requests:review-queue")


@login_required
@require_POST
@handles_service_errors
def review_mode(request: HttpRequest) -> HttpResponse:
    slug = query_values([request.POST.get("committee", "")], 1)
    committee = Committee.objects.filter(slug=slug[0]).first() if slug else None
    if committee is None or committee.pk not in roles_of(request.user).committees:
        raise NotFound("No such committee.")
    if "outside_votes_count" in request.POST:
        # The form beside the review mode's: whether outside reviewers' votes count.
        answer = request.POST["outside_votes_count"]
        review_services.committee_outside_votes_set(
            committee=committee,
            count={"yes": True, "no": False}.get(answer, answer),
            actor=acting_user(request),
        )
        messages.success(request, _("The committee's rule for outside reviewers is saved."))
        return redirect("access_requests:review-queue")
    review_services.committee_review_mode_set(
        committee=committee,
        review_mode=request.POST.get("review_mode", ""),
        actor=acting_user(request),
    )
    messages.success(request, _("The review mode is saved."))
    return redirect("access_requests:review-queue")


def _dataset_rows(state: Any, entries: dict[str, Any]) -> list[dict[str, Any]]:
    """Each dataset of the review page with its tally, votes and decision-form entry."""
    # Open re-consent flags pause approvals of their dataset: reviewers see why up front.
    reconsent_by_dataset = open_flags_by_dataset(row.dataset_id for row in state.rows)
    return [
        {
            "row": row,
            "reconsent": reconsent_by_dataset.get(row.dataset_id, []),
            "tally": state.tallies[row.pk],
            "my_vote": state.my_votes.get(row.pk),
            "votes": [v for v in state.votes if v.requested_dataset_id == row.pk],
            # On a request spanning committees, another committee's dataset is shown
            # read-only: its consent result and decision, never its votes or tally.
            "mine": row.pk in state.mine,
            "votable": row.pk in state.votable,
            "decidable": row.pk in state.decidable,
            # What the chair entered in the decision form, and its errors (after a refusal).
            "entry": entries.get(row.dataset.accession) or decision_form.Entry(),
        }
        for row in state.rows
    ]


def _review_context(
    request: HttpRequest, reference: str, *, error: ApplicationError | None = None
) -> dict[str, Any]:
    """The review page's context; after a refused decision (`error`), with the chair's
    entries and the error of each dataset (decision_form)."""
    state = review_selectors.review_state_for_user(user=request.user, reference=reference)
    access_request = state.access_request
    allowed = allowed_actions_for(request.user, access_request)
    decision_post = request.POST if request.method == "POST" else None
    entries = decision_form.entries_from(decision_post, access_request, error)
    rows = _dataset_rows(state, entries)
    chaired = review_selectors.chaired_committee_ids(request.user)
    assign_committees = [c for c in state.committees if c.pk in chaired] or [
        c for c in state.committees if c.pk in state.my_committee_ids
    ][:1]
    return {
        "access_request": access_request,
        **application_context(access_request),
        "action_error": error,
        "full": selectors.access_request_get_for_user(user=request.user, reference=reference),
        "state": state,
        "rows": rows,
        "allowed": allowed,
        "may_vote": "vote" in allowed and state.may_vote and bool(state.votable),
        "may_recuse": "recuse" in allowed
        and not state.recused
        and any(
            request.user.pk in review_selectors.committee_voters(cid)
            for cid in state.my_committee_ids
        ),
        "may_note": "comment" in allowed and not state.recused,
        "may_request_changes": "request_changes" in allowed,
        "may_decide": "decide" in allowed and bool(state.decidable),
        "may_assign": "assign" in allowed,
        **_conflicts_context(request, state, allowed),
        **_outside_context(request, state, allowed),
        "vote_choices": VoteChoice.choices,
        "votable_rows": [item for item in rows if item["votable"]],
        # Whom the chair may assign: the committee's voters, less those kept out of this
        # request (recused, or conflicted without a waiver).
        "members": (
            review_selectors.voting_members(
                assign_committees, kept_out=review_selectors.kept_out_ids(access_request)
            )
            if assign_committees and "assign" in allowed
            else []
        ),
    }


def _conflicts_context(request: HttpRequest, state: Any, allowed: list[str]) -> dict[str, Any]:
    """The caller's own conflict, and for chairs the members' conflicts and interests."""
    access_request = state.access_request
    return {
        "my_conflicts": conflicts.describe(state.my_conflicts),
        "may_waive": "waive_conflict" in allowed,
        "member_conflicts": review_selectors.conflicts_on_request(
            access_request, state.my_committee_ids
        ),
        "member_interests": review_selectors.declared_interests_for_chair(
            request.user, access_request
        ),
    }


def _outside_context(request: HttpRequest, state: Any, allowed: list[str]) -> dict[str, Any]:
    """The outside reviewers the caller's committees invited, with the chair's forms."""
    return {
        "outside_reviewers": outside.outside_reviewers_for_committee(
            user=request.user,
            access_request=state.access_request,
            kept_out=state.recused or bool(state.my_conflicts),
        ),
        "may_invite_outside": "invite_outside_reviewer" in allowed,
        "may_end_outside": "end_outside_reviewer" in allowed,
        "outside_kinds": OutsideReviewerKind.choices,
    }


@login_required
@handles_service_errors
def review_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return render(
        request, "access_requests/review/detail.html", _review_context(request, reference)
    )


# long: one POST endpoint for every review form; each branch is a short form-to-service dispatch
@login_required
@require_POST
@handles_service_errors
def review_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    access_request = review_selectors.review_request_for_user(
        user=request.user, reference=reference
    )
    if action not in ACTIONS:
        return render(request, "404.html", status=404)
    actor = acting_user(request)
    if action == "decide" and not sessions.recently_authenticated(request):
        # A decision binds the committee: a stolen session cookie alone must not record one.
        # The chair comes back to the review page (a POST cannot be replayed by a redirect).
        return sessions.reauth_redirect(
            request, reverse("access_requests:review", kwargs={"reference": reference})
        )
    post = request.POST
    try:
        if action in SIMPLE_ACTIONS:
            call, done = SIMPLE_ACTIONS[action]
            call(access_request, post, actor)
        elif action == "decide":
            if post.get(decision_form.CHANGE_FIELD):
                # Back from the confirmation page to the form, every entry kept.
                return render(
                    request,
                    "access_requests/review/detail.html",
                    _review_context(request, reference),
                )
            decisions = decision_form.decisions_from(post, access_request)
            if post.get(decision_form.CONFIRM_FIELD) != "yes":
                return _confirm_decision(request, access_request, decisions)
            review_services.access_request_decide(
                access_request=access_request, decisions=decisions, actor=actor
            )
            done = _("The decision is recorded.")
        else:
            names = query_values(post.getlist("reviewers"), 50)
            reviewers = list(User.objects.filter(username__in=names, is_active=True))
            review_services.reviewers_assign(
                access_requests=[access_request], reviewers=reviewers, actor=actor
            )
            done = _("Reviewers assigned.")
    except NotFound:
        raise
    except ApplicationError as exc:
        context = _review_context(request, reference, error=exc)
        return render(
            request, "access_requests/review/detail.html", context, status=exc.status_code
        )
    messages.success(request, done)
    return redirect("access_requests:review", reference=reference)


def _confirm_decision(
    request: HttpRequest, access_request: AccessRequest, decisions: list[dict[str, Any]]
) -> HttpResponse:
    """The step between the form and the record: every check of the decision, nothing
    written, and the decision restated in words with a button that records it."""
    cleaned = review_services.access_request_decision_preview(
        access_request=access_request, decisions=decisions, actor=acting_user(request)
    )
    return render(
        request,
        "access_requests/review/confirm_decision.html",
        {
            "access_request": access_request,
            "sentences": decision_form.sentences(cleaned, access_request),
            "outcome": decision_form.outcome_after(cleaned, access_request),
            "decisions": decisions,
            "dataset_field": decision_form.DATASET_FIELD,
        },
    )
