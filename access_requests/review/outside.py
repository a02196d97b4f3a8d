"""Outside reviewers (issue 17): an expert, an ethics or a community adviser whom a chair
invites to one request under review. They see that request alone (their own page, never
the queue, the review page or the request page), give a written opinion and, where the
committee counts them (CommitteeReviewSettings.outside_votes_count), vote. Their access
ends when the request is decided or withdrawn, or when the chair ends it
(docs/committee-review.md, "Outside reviewers").

The invitation is an e-mail with a single-use link whose token only the e-mail holds (the
row keeps its SHA-256, dac_portal.tokens, as collaborators' invitations do); it is
accepted only by a signed-in account with the invited address, so a forwarded link is of
no use to anyone else. The audit log never holds the address.

Services here, one per state change, each in one transaction with its audit event: the
request row is locked first (the decision locks it too, so an invitation, an opinion or an
acceptance and the decision that ends them never cross), and the workflow table answers
whether the caller may act now. Selectors beside them: each answers NotFound to whoever may
not see the invitation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from access_requests import conflicts, workflow
from access_requests.audit_actions import RequestAudit
from access_requests.models import (
    AccessRequest,
    OutsideReviewer,
    OutsideReviewerEnd,
    OutsideReviewerKind,
    RequestedDataset,
    Vote,
)
from access_requests.review import selectors as review_selectors
from access_requests.review.rules import chaired_committee_ids
from access_requests.rules import (
    allowed_actions_for,
    my_committee_ids,
    request_committee_ids,
    workflow_roles,
)
from access_requests.services import access_request_lock
from accounts.models import User
from accounts.permissions import can
from audit.services import audit_record
from dac_portal.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from dac_portal.errors import ValidationError as InvalidInput
from dac_portal.text import clean_text
from dac_portal.tokens import digest_of_link, new_link_token
from notifications.services import Addressee, notify, notify_address

A = workflow.Action
INVITATION_LIFETIME = timedelta(days=30)
NAME_LIMIT = 200
EMAIL_LIMIT = 254
OPINION_LIMIT = 10_000
NOT_FOUND = "No such outside reviewer."
BAD_LINK = (
    "This invitation link is not valid: it was used already, the invitation ended, or the "
    "link was mistyped."
)


# -- helpers -------------------------------------------------------------------------------


def _about(reviewer: OutsideReviewer) -> dict[str, Any]:
    """What every audit event of an outside reviewer says: never the address, and never
    the opinion's text (an audit export must not carry it, as for committee notes)."""
    return {
        "committee_only": True,
        "request": reviewer.access_request.reference,
        "kind": reviewer.kind,
        "committee": reviewer.committee.slug,
    }


def _checked(access_request: AccessRequest, action: str, actor: User) -> AccessRequest:
    """The request locked until the transaction ends, once the workflow table lets
    `actor` fire `action` now (403 for a role that never could, 409 with the allowed
    actions for the wrong status)."""
    locked = access_request_lock(access_request)
    workflow.MACHINE.check(locked.status, action, workflow_roles(actor, locked))
    return locked


def _lock(reviewer: OutsideReviewer) -> OutsideReviewer:
    return (
        OutsideReviewer.objects.select_for_update(of=("self",))
        .select_related("access_request", "committee", "user")
        .get(pk=reviewer.pk)
    )


def _address(value: Any) -> str:
    address = clean_text(value, field="email", limit=EMAIL_LIMIT).lower()
    try:
        validate_email(address)
    except DjangoValidationError:
        raise InvalidInput(
            "Enter a valid e-mail address.", details={"email": ["Not an e-mail address."]}
        ) from None
    return address


def _kind(value: Any) -> str:
    if not isinstance(value, str) or value not in OutsideReviewerKind.values:
        raise InvalidInput(
            "Choose what kind of reviewer you invite.",
            details={"kind": [f"One of {OutsideReviewerKind.values}."]},
        )
    return value


def _account_of(address: str) -> User | None:
    """The one active account with this address (none when several share it: the
    invitation then goes to the address, and the link decides who accepts)."""
    found = list(User.objects.filter(email__iexact=address, is_active=True)[:2])
    return found[0] if len(found) == 1 else None


def _refuse_if_involved(access_request: AccessRequest, user: User) -> None:
    """An outside reviewer judges from outside: not the applicant, not one of the
    request's collaborators, not one of its committees' people (they review as members)."""
    if access_request.applicant_id == user.pk or conflicts.COLLABORATOR in (
        conflicts.conflict_reasons(user, access_request)
    ):
        raise Conflict(
            "The applicant and the request's collaborators cannot review it.",
            code="conflict_of_interest",
        )
    if my_committee_ids(user, access_request) and not getattr(user, "is_superuser", False):
        raise Conflict(
            "This person is on the request's committee: they review it as a member.",
            code="already_on_committee",
        )


def _inviting_committee(actor: User, access_request: AccessRequest) -> int:
    """The committee the chair invites for: the first of the request's that they chair."""
    chaired = chaired_committee_ids(actor, access_request)
    for committee_id in request_committee_ids(access_request):
        if committee_id in chaired:
            return committee_id
    raise PermissionDenied("Only a chair of the request's committee invites outside reviewers.")


def _send_invitation(
    reviewer: OutsideReviewer, token: str, account: User | None, actor: User
) -> None:
    access_request = reviewer.access_request
    context = {
        "reference": access_request.reference,
        "title": access_request.title,
        "committee_name": reviewer.committee.name,
        "inviter_name": actor.get_full_name() or actor.username,
        "kind": str(reviewer.get_kind_display()).lower(),
        "expires_on": f"{timezone.localtime(reviewer.invitation_expires_at):%Y-%m-%d}",
        "action_url": f"/review/outside/invitations/{token}/",
    }
    key = f"outside_reviewer.invited:{reviewer.public_id}"
    if account is not None:
        notify("outside_reviewer_invited", account, key, context, actor)
    else:
        addressee = Addressee(name=reviewer.name, email=reviewer.email)
        notify_address("outside_reviewer_invited", addressee, key, context, actor)


def _end(reviewer: OutsideReviewer, reason: str, now: datetime, actor: User | None) -> None:
    reviewer.ended_at = now
    reviewer.end_reason = reason
    reviewer.invitation_token_sha256 = ""
    reviewer.invitation_expires_at = None
    reviewer.save(
        update_fields=["ended_at", "end_reason", "invitation_token_sha256", "invitation_expires_at"]
    )
    audit_record(
        actor=actor,
        system=None if actor else "access_requests",
        action=RequestAudit.OUTSIDE_REVIEWER_ENDED,
        target=reviewer,
        data={**_about(reviewer), "end_reason": reason, "had_accepted": bool(reviewer.user_id)},
    )


# -- services ------------------------------------------------------------------------------


@workflow.MACHINE.handles(A.INVITE_OUTSIDE_REVIEWER)
def outside_reviewer_invite(
    *, access_request: AccessRequest, name: Any, email: Any, kind: Any, actor: User
) -> OutsideReviewer:
    """A chair of the request's committee invites someone from outside it to this request
    (under review only). The invited address gets a single-use link valid for 30 days: in
    the portal's inbox and by e-mail when an account has that address, by e-mail alone
    otherwise. Returns the invitation; the link's token is only in the message."""
    name = clean_text(name, field="name", limit=NAME_LIMIT)
    address = _address(email)
    kind = _kind(kind)
    with transaction.atomic():
        access_request = _checked(access_request, A.INVITE_OUTSIDE_REVIEWER, actor)
        committee_id = _inviting_committee(actor, access_request)
        if OutsideReviewer.objects.filter(
            access_request=access_request, email=address, ended_at__isnull=True
        ).exists():
            raise Conflict(
                "This address is already invited to this request.", code="already_invited"
            )
        account = _account_of(address)
        if account is not None:
            _refuse_if_involved(access_request, account)
        now = timezone.now()
        token, digest = new_link_token()
        reviewer = OutsideReviewer.objects.create(
            access_request=access_request,
            committee_id=committee_id,
            kind=kind,
            name=name,
            email=address,
            invited_by=actor,
            invited_at=now,
            invitation_token_sha256=digest,
            invitation_expires_at=now + INVITATION_LIFETIME,
        )
        audit_record(
            actor=actor,
            action=RequestAudit.OUTSIDE_REVIEWER_INVITED,
            target=reviewer,
            data={**_about(reviewer), "invited": "account" if account else "e-mail"},
        )
        _send_invitation(reviewer, token, account, actor)
    return reviewer


def _invitation_refusals(reviewer: OutsideReviewer, digest: str, actor: User) -> None:
    """Why this person may not accept this invitation now, most specific first."""
    if reviewer.invitation_token_sha256 != digest or reviewer.ended_at is not None:
        raise NotFound(BAD_LINK)
    expires = reviewer.invitation_expires_at
    if expires is not None and expires <= timezone.now():
        raise Conflict(
            "This invitation has expired: ask the committee's chair to invite you again.",
            code="invitation_expired",
        )
    if (actor.email or "").strip().lower() != reviewer.email:
        raise PermissionDenied(
            "This invitation was sent to another e-mail address. Sign in with the account "
            "of that address, or ask the committee's chair to invite the address of this "
            "account.",
            code="invitation_other_address",
        )
    _refuse_if_involved(reviewer.access_request, actor)
    if (
        OutsideReviewer.objects.filter(
            access_request_id=reviewer.access_request_id, user=actor, ended_at__isnull=True
        )
        .exclude(pk=reviewer.pk)
        .exists()
    ):
        raise Conflict("You already review this request.", code="already_on_request")


def outside_reviewer_invitation_accept(*, token: Any, actor: User) -> OutsideReviewer:
    """The invited person, signed in with the invited address, accepts: the invitation
    becomes theirs (the link stops working) and they see the request on their own page."""
    reviewer, digest = outside_invitation_by_token(token)
    with transaction.atomic():
        access_request_lock(reviewer.access_request)
        reviewer = _lock(reviewer)
        _invitation_refusals(reviewer, digest, actor)
        reviewer.user = actor
        reviewer.accepted_at = timezone.now()
        reviewer.invitation_token_sha256 = ""
        reviewer.invitation_expires_at = None
        reviewer.save(
            update_fields=[
                "user",
                "accepted_at",
                "invitation_token_sha256",
                "invitation_expires_at",
            ]
        )
        audit_record(
            actor=actor,
            action=RequestAudit.OUTSIDE_REVIEWER_ACCEPTED,
            target=reviewer,
            data=_about(reviewer),
        )
        # The e-mailed link is spent: this message (inbox and e-mail) is their way back.
        notify(
            "outside_reviewer_welcome",
            actor,
            f"outside_reviewer.accepted:{reviewer.public_id}",
            {
                "reference": reviewer.access_request.reference,
                "committee_name": reviewer.committee.name,
                "action_url": f"/review/outside/{reviewer.public_id}/",
            },
            actor,
        )
    return reviewer


@workflow.MACHINE.handles(A.GIVE_OPINION)
def outside_reviewer_opinion_give(
    *, reviewer: OutsideReviewer, opinion: Any, actor: User
) -> OutsideReviewer:
    """The outside reviewer writes their opinion (up to 10,000 characters), or revises it,
    while the request is under review. The audit event records that they did, and the
    length: the text stays in its own table."""
    if reviewer.user_id != actor.pk:
        raise NotFound(NOT_FOUND)
    text = clean_text(opinion, field="opinion", limit=OPINION_LIMIT)
    with transaction.atomic():
        access_request = access_request_lock(reviewer.access_request)
        reviewer = _lock(reviewer)
        if reviewer.user_id != actor.pk or reviewer.ended_at is not None:
            raise NotFound(NOT_FOUND)  # their access ended meanwhile
        workflow.MACHINE.check(
            access_request.status, A.GIVE_OPINION, workflow_roles(actor, access_request)
        )
        revised = bool(reviewer.opinion)
        reviewer.opinion = text
        reviewer.opinion_at = timezone.now()
        reviewer.save(update_fields=["opinion", "opinion_at"])
        audit_record(
            actor=actor,
            action=RequestAudit.OUTSIDE_REVIEWER_OPINION_GIVEN,
            target=reviewer,
            data={**_about(reviewer), "length": len(text), "revised": revised},
        )
    return reviewer


@workflow.MACHINE.handles(A.END_OUTSIDE_REVIEWER)
def outside_reviewer_end(*, reviewer: OutsideReviewer, actor: User) -> OutsideReviewer:
    """A chair of the committee that invited them ends an outside reviewer's access (or
    withdraws an invitation not yet accepted): the link stops working and their page is
    gone; an opinion they gave stays for the committee."""
    with transaction.atomic():
        access_request = _checked(reviewer.access_request, A.END_OUTSIDE_REVIEWER, actor)
        reviewer = _lock(reviewer)
        if reviewer.committee_id not in chaired_committee_ids(actor, access_request):
            raise PermissionDenied(
                "Only a chair of the committee that invited them ends their access.",
                code="other_committee",
            )
        if reviewer.ended_at is not None:
            raise Conflict(
                "This outside reviewer's access has ended already.", code="already_ended"
            )
        _end(reviewer, OutsideReviewerEnd.ENDED_BY_CHAIR, timezone.now(), actor)
    return reviewer


def outside_reviewers_end_for_request(
    *, access_request: AccessRequest, reason: str, actor: User | None
) -> int:
    """Every outside reviewer of a request that was just decided (`decided`) or withdrawn
    (`withdrawn`) loses access: called by those services inside their transaction, on the
    request they hold locked. Returns how many were ended."""
    now = timezone.now()
    still_open = list(
        OutsideReviewer.objects.select_for_update(of=("self",))
        .filter(access_request=access_request, ended_at__isnull=True)
        .select_related("access_request", "committee")
        .order_by("id")
    )
    for reviewer in still_open:
        _end(reviewer, reason, now, actor)
    return len(still_open)


# -- selectors -----------------------------------------------------------------------------


def outside_invitation_by_token(token: Any) -> tuple[OutsideReviewer, str]:
    """The invitation an e-mailed link names, and the token's digest (404 for a link that
    is not, or no longer, valid: used, ended or mistyped)."""
    digest = digest_of_link(token)
    reviewer = (
        OutsideReviewer.objects.filter(invitation_token_sha256=digest, ended_at__isnull=True)
        .select_related("access_request", "committee", "invited_by")
        .first()
    )
    if reviewer is None:
        raise NotFound(BAD_LINK)
    return reviewer, digest


def outside_invitation_refusal(
    reviewer: OutsideReviewer, digest: str, user: User
) -> ApplicationError | None:
    """Why `user` may not accept the invitation now (the page says it before they try),
    or None."""
    try:
        _invitation_refusals(reviewer, digest, user)
    except ApplicationError as refusal:
        return refusal
    return None


def outside_reviewer_get_for_user(*, user: Any, public_id: Any) -> OutsideReviewer:
    """The outside reviewer's own invitation, accepted and not ended; NotFound for anyone
    else (the committee reads opinions on the review page) and once their access ended."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    reviewer = (
        OutsideReviewer.objects.filter(public_id=wanted)
        .select_related(
            "access_request",
            "access_request__applicant",
            "access_request__institution",
            "committee",
            "user",
        )
        .first()
    )
    if reviewer is None or not can(user, "outside_reviewer.view", reviewer):
        raise NotFound(NOT_FOUND)
    return reviewer


def outside_reviewer_of_request(access_request: AccessRequest, public_id: Any) -> OutsideReviewer:
    """One outside reviewer of a request the caller reviews (the chair's end button)."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    reviewer = (
        OutsideReviewer.objects.filter(access_request=access_request, public_id=wanted)
        .select_related("access_request", "committee")
        .first()
    )
    if reviewer is None:
        raise NotFound(NOT_FOUND)
    return reviewer


@dataclass
class OutsideReview:
    """What the outside reviewer's page shows: the request, its datasets with their
    consent results, their own opinion and (where counted) their own votes; never the
    committee's notes, the other votes, conflicts or who else reviews."""

    reviewer: OutsideReviewer
    access_request: AccessRequest
    rows: list[RequestedDataset]
    allowed: list[str]
    votes_count: bool
    votable: list[RequestedDataset] = field(default_factory=list)
    my_votes: dict[int, Vote] = field(default_factory=dict)

    @property
    def lines(self) -> list[tuple[RequestedDataset, Vote | None]]:
        """Each dataset with the reviewer's own vote on it (None: none, or not counted)."""
        return [(row, self.my_votes.get(row.pk)) for row in self.rows]

    @property
    def may_give_opinion(self) -> bool:
        return A.GIVE_OPINION in self.allowed

    @property
    def may_vote(self) -> bool:
        return self.votes_count and A.VOTE in self.allowed and bool(self.votable)


def outside_review_for_user(*, user: Any, public_id: Any) -> OutsideReview:
    reviewer = outside_reviewer_get_for_user(user=user, public_id=public_id)
    access_request = reviewer.access_request
    rows = list(
        RequestedDataset.objects.filter(access_request=access_request)
        .select_related("dataset", "committee")
        .order_by("position", "id")
    )
    counted = user.pk in review_selectors.eligible_voter_ids(access_request, reviewer.committee_id)
    review = OutsideReview(
        reviewer=reviewer,
        access_request=access_request,
        rows=rows,
        allowed=allowed_actions_for(user, access_request),
        votes_count=counted,
    )
    if counted:
        review.votable = [
            row
            for row in rows
            if not row.decision
            and review_selectors.row_committee_id(row, access_request) == reviewer.committee_id
        ]
        review.my_votes = {
            v.requested_dataset_id: v
            for v in Vote.objects.filter(access_request=access_request, voter=user)
        }
    return review


@dataclass(frozen=True)
class OutsideReviewerEntry:
    """One invitation as a committee person sees it on the review page and in the API."""

    reviewer: OutsideReviewer
    # The address, for a chair of the committee that invited them; None for the others.
    email: str | None
    # The opinion, for those who read the committee's notes (not a recused or conflicted
    # member); None for the others.
    opinion: str | None


def outside_reviewers_for_committee(
    *, user: Any, access_request: AccessRequest, kept_out: bool
) -> list[OutsideReviewerEntry]:
    """The outside reviewers the caller's committees invited to the request (the caller is
    one of the request's committee people: the review page and the API ask first)."""
    mine = my_committee_ids(user, access_request)
    chaired = chaired_committee_ids(user, access_request)
    found = (
        OutsideReviewer.objects.filter(access_request=access_request, committee_id__in=mine)
        .select_related("access_request", "committee", "user", "invited_by")
        .order_by("invited_at", "id")
    )
    return [
        OutsideReviewerEntry(
            reviewer=reviewer,
            email=reviewer.email if reviewer.committee_id in chaired else None,
            opinion=None if kept_out else reviewer.opinion,
        )
        for reviewer in found
    ]
