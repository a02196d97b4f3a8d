"""The grant lifecycle as data, like access_requests.workflow: which action leads from which
status to which, and which role may fire which action in which status. Pure Python, no
Django: the services, the pages' buttons and the API's 409 `allowed_actions` read these
tables, so each rule is written once.

    pending --activate (agreement signed, and countersigned where asked)--> active
    active --suspend--> suspended --reinstate--> active
    pending | active | suspended --revoke--> revoked
    active | suspended --expire (end date passed)--> expired
    active --renew (committee approved a renewal)--> active, with a later end
    active | suspended | expired --close (destruction attested)--> closed

Actions that keep the status (request_renewal, report, attest_destruction) are in the
table too, so "may I do this now?" has one answer for every action.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

# TransitionError is re-exported: callers catch workflow.TransitionError.
from dac_portal.state_machine import StateMachine
from dac_portal.state_machine import TransitionError as TransitionError


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REVOKED = "revoked"
    CLOSED = "closed"


class Action(StrEnum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    EXPIRE = "expire"
    REQUEST_RENEWAL = "request_renewal"
    RENEW = "renew"
    # Where the committee decides renewals (Committee.renewals_by_committee), its voting
    # members vote on the waiting renewal before the chair decides.
    VOTE_RENEWAL = "vote_renewal"
    REPORT = "report"
    ATTEST_DESTRUCTION = "attest_destruction"
    CLOSE = "close"


class Role(StrEnum):
    """Roles a person holds towards one grant."""

    HOLDER = "holder"  # the applicant the grant was made to
    SIGNING_OFFICIAL = "signing_official"  # of the holder's institution (on the request)
    COMMITTEE_CHAIR = "committee_chair"  # of the dataset's committee
    # Someone who votes on the dataset's committee (chairs, members, and lay or community
    # representatives where they vote).
    COMMITTEE_MEMBER = "committee_member"
    STEWARD = "steward"  # of the dataset's committee
    SYSTEM = "system"  # signing, jobs and sanctions acting on the grant


S, A, R = Status, Action, Role

# Who reads the committee's votes on a renewal it decides (the page and the API): its
# chairs and its voting members, never the holder.
RENEWAL_VOTE_READERS = frozenset({R.COMMITTEE_CHAIR, R.COMMITTEE_MEMBER})

# A grant that still gives (or will give) access; every other status has ended.
LIVE_STATUSES = frozenset({S.PENDING, S.ACTIVE, S.SUSPENDED})
ENDED_STATUSES = frozenset({S.EXPIRED, S.REVOKED, S.CLOSED})
# The holder may still hold a copy of the data: consent withdrawals reach these.
HOLDING_STATUSES = frozenset({S.ACTIVE, S.SUSPENDED})

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.PENDING, A.ACTIVATE): S.ACTIVE,
    (S.PENDING, A.REVOKE): S.REVOKED,
    (S.ACTIVE, A.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, A.REVOKE): S.REVOKED,
    (S.ACTIVE, A.EXPIRE): S.EXPIRED,
    (S.ACTIVE, A.REQUEST_RENEWAL): S.ACTIVE,
    (S.ACTIVE, A.RENEW): S.ACTIVE,
    (S.ACTIVE, A.VOTE_RENEWAL): S.ACTIVE,
    (S.ACTIVE, A.REPORT): S.ACTIVE,
    (S.ACTIVE, A.ATTEST_DESTRUCTION): S.ACTIVE,
    (S.ACTIVE, A.CLOSE): S.CLOSED,
    (S.SUSPENDED, A.REINSTATE): S.ACTIVE,
    (S.SUSPENDED, A.REVOKE): S.REVOKED,
    (S.SUSPENDED, A.EXPIRE): S.EXPIRED,
    (S.SUSPENDED, A.REPORT): S.SUSPENDED,
    (S.SUSPENDED, A.ATTEST_DESTRUCTION): S.SUSPENDED,
    (S.SUSPENDED, A.CLOSE): S.CLOSED,
    (S.EXPIRED, A.ATTEST_DESTRUCTION): S.EXPIRED,
    (S.EXPIRED, A.CLOSE): S.CLOSED,
}

_CLOSE_OUT = frozenset({A.ATTEST_DESTRUCTION})
_OVERSIGHT = {
    S.PENDING: frozenset({A.REVOKE}),
    S.ACTIVE: frozenset({A.SUSPEND, A.REVOKE}),
    S.SUSPENDED: frozenset({A.REINSTATE, A.REVOKE}),
}

# role -> status -> actions. Every entry must be a transition above (a test checks it).
# Closing is never fired by a person directly: the second destruction attestation closes.
PERMISSIONS: dict[Role, dict[Status, frozenset[Action]]] = {
    R.HOLDER: {
        S.ACTIVE: frozenset({A.REQUEST_RENEWAL, A.REPORT}) | _CLOSE_OUT,
        S.SUSPENDED: frozenset({A.REPORT}) | _CLOSE_OUT,
        S.EXPIRED: _CLOSE_OUT,
    },
    R.SIGNING_OFFICIAL: {
        S.ACTIVE: _CLOSE_OUT,
        S.SUSPENDED: _CLOSE_OUT,
        S.EXPIRED: _CLOSE_OUT,
    },
    R.COMMITTEE_CHAIR: {**_OVERSIGHT, S.ACTIVE: _OVERSIGHT[S.ACTIVE] | {A.RENEW}},
    # Whether the waiting renewal is one the committee votes on, the service checks.
    R.COMMITTEE_MEMBER: {S.ACTIVE: frozenset({A.VOTE_RENEWAL})},
    R.STEWARD: dict(_OVERSIGHT),
    R.SYSTEM: {
        S.PENDING: frozenset({A.ACTIVATE, A.REVOKE}),
        S.ACTIVE: frozenset({A.EXPIRE, A.SUSPEND, A.CLOSE}),
        S.SUSPENDED: frozenset({A.EXPIRE, A.REINSTATE, A.CLOSE}),
        S.EXPIRED: frozenset({A.CLOSE}),
    },
}


# The shared machine takes each transition's targets as a set (requests' decide has two).
MACHINE = StateMachine(
    "grant",
    transitions={key: frozenset({target}) for key, target in TRANSITIONS.items()},
    permissions=PERMISSIONS,
    noun="grant",
)


def next_status(status: str, action: str) -> Status:
    return Status(MACHINE.next_status(status, action))


def allowed_actions(status: str, roles: Iterable[str]) -> list[str]:
    """The actions someone holding `roles` may fire on a grant in `status`, sorted."""
    return MACHINE.allowed_actions(status, roles)


def may(status: str, action: str, roles: Iterable[str]) -> bool:
    return MACHINE.may(status, action, roles)


def could_ever(action: str, roles: Iterable[str]) -> bool:
    """Whether any of `roles` may fire `action` in some status (403 versus 409)."""
    return MACHINE.could_ever(action, roles)
