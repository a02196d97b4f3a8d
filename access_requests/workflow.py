"""The request lifecycle as data: which action leads from which status to which, and which
role may fire which action in which status. Pure Python, no Django: the services, the
pages' buttons and the API's 409 `allowed_actions` all read these two tables through one
dac_portal.state_machine.StateMachine (`MACHINE`), so the rule is written once (docs/domain.md,
"Request lifecycle").

    draft --submit--> submitted --(endorse, or route when no endorsement is asked)--> under_review
    under_review --request_changes--> changes_requested --resubmit--> under_review
    under_review --decide--> approved | rejected
    draft | submitted | under_review | changes_requested --withdraw--> withdrawn
    approved --close (all grants ended)--> closed
    rejected --decide_appeal--> approved (overturned) | rejected (upheld)

`NEW` is the status of a request that does not exist yet: `create` leaves it for `draft`.
Actions that keep the status (update, add_document, assign, comment, vote, recuse) are in
the table too, so that "may I do this now?" has one answer for every action.

A person who declared a conflict of interest on a request holds `RECUSED` beside their
committee roles. `RECUSED` suspends those roles (`SUSPENDED_BY_RECUSAL`) for that request:
a recused chair neither decides, requests changes nor assigns, and a recused member
neither votes, comments nor recuses again. The services, the buttons and `allowed_actions`
all read this one rule (docs/committee-review.md, "Conflicts of interest"). A conflict the
portal finds itself (a member at the applicant's institution, or named as a collaborator)
gives `CONFLICTED`, which suspends the same roles until a chair waives it
(`waive_conflict`, with a reason).

A chair may invite an outside reviewer to a request under review (and end the invitation
then or while changes are asked for); the outside reviewer, holding `OUTSIDE_REVIEWER` on
that request alone, gives an opinion and may vote (docs/committee-review.md, "Outside
reviewers").

A rejected applicant may appeal within the committee's window (`appeal`); the request
stays `rejected` while a panel of people who took no part in the decision (`APPEAL_PANEL`)
votes and then decides: overturned, it becomes `approved`; upheld, it stays `rejected`
(docs/committee-review.md, "Appeals").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

# TransitionError is re-exported: callers catch workflow.TransitionError.
from dac_portal.state_machine import StateMachine, Suspension
from dac_portal.state_machine import TransitionError as TransitionError


class Status(StrEnum):
    NEW = "new"  # not stored: the status before `create`
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ADD_DOCUMENT = "add_document"
    SUBMIT = "submit"
    ENDORSE = "endorse"
    ROUTE = "route"
    WITHDRAW = "withdraw"
    ASSIGN = "assign"
    COMMENT = "comment"
    VOTE = "vote"
    RECUSE = "recuse"
    WAIVE_CONFLICT = "waive_conflict"
    REQUEST_CHANGES = "request_changes"
    RESUBMIT = "resubmit"
    DECIDE = "decide"
    CLOSE = "close"
    # Outside reviewers (access_requests/review/outside.py): the chair invites and ends
    # them; they give a written opinion (and vote, where the committee counts them).
    INVITE_OUTSIDE_REVIEWER = "invite_outside_reviewer"
    END_OUTSIDE_REVIEWER = "end_outside_reviewer"
    GIVE_OPINION = "give_opinion"
    # The applicant files an ethics approval (issue 18): before submission, and at any
    # time until the request ends, to renew one that lapses while the grants run.
    FILE_ETHICS_APPROVAL = "file_ethics_approval"
    # Appeals (issue 18, access_requests/appeals): the applicant appeals a rejection; the
    # panel votes on it and decides.
    APPEAL = "appeal"
    VOTE_APPEAL = "vote_appeal"
    DECIDE_APPEAL = "decide_appeal"


class Role(StrEnum):
    """Roles a person holds towards one request (not portal-wide roles)."""

    APPLICANT = "applicant"
    SIGNING_OFFICIAL = "signing_official"  # of the applicant's institution
    COMMITTEE_MEMBER = "committee_member"  # of the committee the request is routed to
    COMMITTEE_CHAIR = "committee_chair"
    # A lay or community representative of a committee whose lay representatives advise
    # rather than vote (Committee.lay_representatives_vote off): reads and comments.
    ADVISER = "adviser"
    # Someone from outside the committee a chair invited to this one request (an accepted,
    # not ended invitation): gives an opinion; their vote counts only where the committee
    # says so, which the vote service asks (CommitteeReviewSettings.outside_votes_count).
    OUTSIDE_REVIEWER = "outside_reviewer"
    # Someone who hears a pending appeal of this request: a voting member of the hearing
    # committee (the request's, or the one its policy names) who neither voted on nor
    # decided the original request (access_requests.appeal_panel).
    APPEAL_PANEL = "appeal_panel"
    STEWARD = "steward"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    SYSTEM = "system"  # periodic jobs and the routing step inside submit
    # Not a role of its own: the mark of a committee person who recused themselves from
    # this request. It grants nothing and suspends the committee roles below.
    RECUSED = "recused"
    # The mark of a committee person with a conflict of interest the portal found itself
    # (access_requests.conflicts) and no chair has waived: suspends the same roles.
    CONFLICTED = "conflicted"


S, A, R = Status, Action, Role

# Statuses stored on a request (NEW excluded).
STORED_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s is not S.NEW)
# A request still moving through the workflow: it holds its datasets "open" for the
# applicant (one open request per applicant and dataset, a database constraint).
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED})
TERMINAL_STATUSES = frozenset({S.WITHDRAWN, S.CLOSED})
# A rejection is final but for its appeal: only the appeal's actions leave it.
APPEAL_ACTIONS = frozenset({A.APPEAL, A.VOTE_APPEAL, A.DECIDE_APPEAL})
# The applicant may edit the request's content in these.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})

# (status, action) -> the statuses the action may lead to. Only `decide` has two outcomes;
# the service names the one it takes.
TRANSITIONS: dict[tuple[Status, Action], frozenset[Status]] = {
    (S.NEW, A.CREATE): frozenset({S.DRAFT}),
    (S.DRAFT, A.UPDATE): frozenset({S.DRAFT}),
    (S.DRAFT, A.ADD_DOCUMENT): frozenset({S.DRAFT}),
    (S.DRAFT, A.SUBMIT): frozenset({S.SUBMITTED}),
    (S.DRAFT, A.FILE_ETHICS_APPROVAL): frozenset({S.DRAFT}),
    (S.SUBMITTED, A.FILE_ETHICS_APPROVAL): frozenset({S.SUBMITTED}),
    (S.UNDER_REVIEW, A.FILE_ETHICS_APPROVAL): frozenset({S.UNDER_REVIEW}),
    (S.CHANGES_REQUESTED, A.FILE_ETHICS_APPROVAL): frozenset({S.CHANGES_REQUESTED}),
    (S.APPROVED, A.FILE_ETHICS_APPROVAL): frozenset({S.APPROVED}),
    (S.DRAFT, A.WITHDRAW): frozenset({S.WITHDRAWN}),
    (S.SUBMITTED, A.ENDORSE): frozenset({S.UNDER_REVIEW}),
    (S.SUBMITTED, A.ROUTE): frozenset({S.UNDER_REVIEW}),
    (S.SUBMITTED, A.WITHDRAW): frozenset({S.WITHDRAWN}),
    (S.UNDER_REVIEW, A.ASSIGN): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.COMMENT): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.VOTE): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.RECUSE): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.WAIVE_CONFLICT): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.REQUEST_CHANGES): frozenset({S.CHANGES_REQUESTED}),
    (S.UNDER_REVIEW, A.DECIDE): frozenset({S.APPROVED, S.REJECTED}),
    (S.UNDER_REVIEW, A.WITHDRAW): frozenset({S.WITHDRAWN}),
    (S.UNDER_REVIEW, A.INVITE_OUTSIDE_REVIEWER): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.END_OUTSIDE_REVIEWER): frozenset({S.UNDER_REVIEW}),
    (S.UNDER_REVIEW, A.GIVE_OPINION): frozenset({S.UNDER_REVIEW}),
    (S.CHANGES_REQUESTED, A.END_OUTSIDE_REVIEWER): frozenset({S.CHANGES_REQUESTED}),
    (S.CHANGES_REQUESTED, A.UPDATE): frozenset({S.CHANGES_REQUESTED}),
    (S.CHANGES_REQUESTED, A.ADD_DOCUMENT): frozenset({S.CHANGES_REQUESTED}),
    (S.CHANGES_REQUESTED, A.RESUBMIT): frozenset({S.UNDER_REVIEW}),
    (S.CHANGES_REQUESTED, A.COMMENT): frozenset({S.CHANGES_REQUESTED}),
    (S.CHANGES_REQUESTED, A.WITHDRAW): frozenset({S.WITHDRAWN}),
    (S.APPROVED, A.CLOSE): frozenset({S.CLOSED}),
    (S.REJECTED, A.APPEAL): frozenset({S.REJECTED}),
    (S.REJECTED, A.VOTE_APPEAL): frozenset({S.REJECTED}),
    (S.REJECTED, A.DECIDE_APPEAL): frozenset({S.APPROVED, S.REJECTED}),
}

_REVIEW = frozenset({A.COMMENT, A.VOTE, A.RECUSE})

# role -> status -> the actions that role may fire there. Every entry must also be a
# transition above (a test checks it), so this table can only narrow the first one.
PERMISSIONS: dict[Role, dict[Status, frozenset[Action]]] = {
    R.APPLICANT: {
        S.NEW: frozenset({A.CREATE}),
        S.DRAFT: frozenset(
            {A.UPDATE, A.ADD_DOCUMENT, A.FILE_ETHICS_APPROVAL, A.SUBMIT, A.WITHDRAW}
        ),
        S.SUBMITTED: frozenset({A.FILE_ETHICS_APPROVAL, A.WITHDRAW}),
        S.UNDER_REVIEW: frozenset({A.FILE_ETHICS_APPROVAL, A.WITHDRAW}),
        S.CHANGES_REQUESTED: frozenset(
            {A.UPDATE, A.ADD_DOCUMENT, A.FILE_ETHICS_APPROVAL, A.RESUBMIT, A.WITHDRAW}
        ),
        S.APPROVED: frozenset({A.FILE_ETHICS_APPROVAL}),
        # The window and "one appeal per request" are checked by the service.
        S.REJECTED: frozenset({A.APPEAL}),
    },
    R.SIGNING_OFFICIAL: {
        S.SUBMITTED: frozenset({A.ENDORSE}),
    },
    R.COMMITTEE_MEMBER: {
        S.UNDER_REVIEW: _REVIEW,
        S.CHANGES_REQUESTED: frozenset({A.COMMENT}),
    },
    # A chair is also a voting member.
    R.COMMITTEE_CHAIR: {
        S.UNDER_REVIEW: _REVIEW
        | {
            A.ASSIGN,
            A.REQUEST_CHANGES,
            A.DECIDE,
            A.WAIVE_CONFLICT,
            A.INVITE_OUTSIDE_REVIEWER,
            A.END_OUTSIDE_REVIEWER,
        },
        S.CHANGES_REQUESTED: frozenset({A.COMMENT, A.END_OUTSIDE_REVIEWER}),
    },
    # Their vote counts only where the committee counts outside votes: the vote service
    # asks (access_requests.review.rules, "access_request.vote").
    R.OUTSIDE_REVIEWER: {
        S.UNDER_REVIEW: frozenset({A.GIVE_OPINION, A.VOTE}),
    },
    R.APPEAL_PANEL: {
        S.REJECTED: frozenset({A.VOTE_APPEAL, A.DECIDE_APPEAL}),
    },
    R.ADVISER: {
        S.UNDER_REVIEW: frozenset({A.COMMENT}),
        S.CHANGES_REQUESTED: frozenset({A.COMMENT}),
    },
    R.STEWARD: {},
    R.ADMINISTRATOR: {},
    R.AUDITOR: {},
    R.RECUSED: {},
    R.CONFLICTED: {},
    R.SYSTEM: {
        S.SUBMITTED: frozenset({A.ROUTE}),
        S.APPROVED: frozenset({A.CLOSE}),
    },
}


# The roles a recusal suspends on the request it concerns. Someone who is also, say, the
# applicant's signing official keeps that role: recusal is about judging, not about the
# other hats a person wears.
SUSPENDED_BY_RECUSAL = frozenset({R.COMMITTEE_MEMBER, R.COMMITTEE_CHAIR, R.ADVISER, R.APPEAL_PANEL})


MACHINE = StateMachine(
    "access_request",
    transitions=TRANSITIONS,
    permissions=PERMISSIONS,
    suspensions=[
        Suspension(
            R.RECUSED,
            SUSPENDED_BY_RECUSAL,
            code="recused",
            message="You recused yourself from this request.",
        ),
        Suspension(
            R.CONFLICTED,
            SUSPENDED_BY_RECUSAL,
            code="conflict_of_interest",
            message=(
                "You have a conflict of interest with this request: you are at the "
                "applicant's institution, or named as a collaborator. You take no part in "
                "its review unless a chair records a waiver."
            ),
        ),
    ],
    noun="request",
)


def effective_roles(roles: Iterable[str]) -> frozenset[Role]:
    """The roles that count once recusal is applied: `roles` less the committee roles when
    `RECUSED` is among them. Unknown names are dropped."""
    return frozenset(Role(role) for role in MACHINE.effective_roles(roles))


def suspended_by_recusal(action: str, roles: Iterable[str]) -> bool:
    """True when `action` is one the person could fire through a committee role on this
    request, were it not for their recusal (the 403 `recused` rather than a plain 403)."""
    return MACHINE.suspension_in_the_way(action, roles) is not None


def targets(status: str, action: str) -> frozenset[Status]:
    """The statuses `action` may lead to from `status`; empty when it is not possible."""
    return frozenset(Status(s) for s in MACHINE.targets(status, action))


def next_status(status: str, action: str, outcome: str | None = None) -> Status:
    """The status after `action`. `outcome` picks one of several targets (decide)."""
    return Status(MACHINE.next_status(status, action, outcome))


def allowed_actions(status: str, roles: Iterable[str]) -> list[str]:
    """The actions someone holding `roles` may fire while the request is in `status`,
    sorted (UI buttons and the API's 409 details)."""
    return MACHINE.allowed_actions(status, roles)


def may(status: str, action: str, roles: Iterable[str]) -> bool:
    return MACHINE.may(status, action, roles)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
