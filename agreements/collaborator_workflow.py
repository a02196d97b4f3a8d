"""A collaborator's own access under a request's agreement, as data (like
agreements.workflow for grants): which action leads from which status to which, and who
may fire it. Pure Python, no Django.

    invited --accept_invitation (the invited address signs in and claims it)--> invited
    invited --resend_invitation (the applicant: a new link)--> invited
    invited --sign (the collaborator signs the agreement text)--> signed
    invited | signed --remove (the applicant)--> removed
    invited | signed --leave (the collaborator)--> left

A signed collaborator is covered by the request's grants for as long as each grant gives
access (agreements.selectors); removed and left are final, and end only that person's
entitlements.
"""

from __future__ import annotations

from enum import StrEnum

from dac_portal.state_machine import StateMachine


class Status(StrEnum):
    INVITED = "invited"
    SIGNED = "signed"
    REMOVED = "removed"
    LEFT = "left"


class Action(StrEnum):
    ACCEPT_INVITATION = "accept_invitation"
    RESEND_INVITATION = "resend_invitation"
    SIGN = "sign"
    REMOVE = "remove"
    LEAVE = "leave"


class Role(StrEnum):
    """Roles a person holds towards one collaborator's access."""

    APPLICANT = "applicant"  # who listed the collaborator on the request
    COLLABORATOR = "collaborator"  # the account the access belongs to
    INVITEE = "invitee"  # signed in with the invited address, before claiming it


S, A, R = Status, Action, Role

# Still able to become (or be) covered: the list's "current" collaborators.
CURRENT_STATUSES = frozenset({S.INVITED, S.SIGNED})

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.INVITED, A.ACCEPT_INVITATION): S.INVITED,
    (S.INVITED, A.RESEND_INVITATION): S.INVITED,
    (S.INVITED, A.SIGN): S.SIGNED,
    (S.INVITED, A.REMOVE): S.REMOVED,
    (S.SIGNED, A.REMOVE): S.REMOVED,
    (S.INVITED, A.LEAVE): S.LEFT,
    (S.SIGNED, A.LEAVE): S.LEFT,
}

PERMISSIONS: dict[Role, dict[Status, frozenset[Action]]] = {
    R.APPLICANT: {
        S.INVITED: frozenset({A.RESEND_INVITATION, A.REMOVE}),
        S.SIGNED: frozenset({A.REMOVE}),
    },
    R.COLLABORATOR: {
        S.INVITED: frozenset({A.SIGN, A.LEAVE}),
        S.SIGNED: frozenset({A.LEAVE}),
    },
    R.INVITEE: {S.INVITED: frozenset({A.ACCEPT_INVITATION})},
}

MACHINE = StateMachine(
    "collaborator",
    transitions={key: frozenset({target}) for key, target in TRANSITIONS.items()},
    permissions=PERMISSIONS,
    noun="collaborator",
)


def next_status(status: str, action: str) -> Status:
    return Status(MACHINE.next_status(status, action))
