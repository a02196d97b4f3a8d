"""What access_requests does when an app above it announces something, or one of its own
changes asks the review to follow (dac_portal/events.py)."""

from __future__ import annotations

from access_requests.events import AllGrantsEnded, RequestWithdrawn
from access_requests.models import OutsideReviewerEnd
from access_requests.review.outside import outside_reviewers_end_for_request
from access_requests.services import access_request_close
from dac_portal.events import subscribe


@subscribe(AllGrantsEnded)
def close_the_request(event: AllGrantsEnded) -> None:
    """In the transaction that ended the last grant: the request and its last grant end
    together or not at all."""
    access_request_close(
        access_request=event.access_request,
        grant_statuses=event.grant_statuses,
        actor=event.actor,
        system=event.system,
    )


@subscribe(RequestWithdrawn)
def end_the_outside_reviews(event: RequestWithdrawn) -> None:
    """In the withdrawal's transaction: the request's outside reviewers lose access with it
    (access_requests.services cannot call the review package, which builds on it)."""
    outside_reviewers_end_for_request(
        access_request=event.access_request,
        reason=OutsideReviewerEnd.WITHDRAWN,
        actor=event.actor,
    )
