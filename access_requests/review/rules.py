"""Who votes on and who decides which part of a request: named rules of
accounts.permissions, beside the request rules in access_requests/rules.py.

The workflow table answers whether a committee member or chair may vote or decide in the
request's status; these rules answer on which of the request's committees, which the
table cannot see: a request can go to several committees, each deciding its own datasets,
and in `assigned` review mode only the assigned reviewers (and the chairs) vote.

Registered when the review services that ask them import this module (at module level),
so no start-up hook has to reach into the review package.
"""

from __future__ import annotations

from typing import Any

from access_requests.models import AccessRequest, OutsideReviewer
from access_requests.review import selectors as review_selectors
from access_requests.rules import my_committee_ids, request_committee_ids
from accounts.models import Committee
from accounts.permissions import can, rule


def voting_committee_ids(user: Any, access_request: AccessRequest) -> set[int]:
    """The request's committees on whose datasets `user` votes (recusal aside: the
    workflow table's `recused` role answers that)."""
    return {
        cid
        for cid in request_committee_ids(access_request)
        if user.pk in review_selectors.eligible_voter_ids(access_request, cid)
    }


def chaired_committee_ids(user: Any, access_request: AccessRequest) -> set[int]:
    """The request's committees that `user` chairs (every one for a superuser)."""
    ids = my_committee_ids(user, access_request)
    return {c.pk for c in Committee.objects.filter(pk__in=ids) if can(user, "committee.chair", c)}


@rule("access_request.vote")
def _vote(user: Any, access_request: AccessRequest) -> bool:
    return bool(voting_committee_ids(user, access_request))


@rule("access_request.chair")
def _chair(user: Any, access_request: AccessRequest) -> bool:
    return bool(chaired_committee_ids(user, access_request))


@rule("outside_reviewer.view")
def _outside_reviewer_view(user: Any, reviewer: OutsideReviewer) -> bool:
    """Only the outside reviewer sees their own page, from accepting until their access
    ends (the committee reads their opinion on the review page)."""
    return (
        reviewer.user_id is not None
        and reviewer.user_id == getattr(user, "pk", None)
        and reviewer.accepted_at is not None
        and reviewer.ended_at is None
    )
