"""A findings statement's way to the public register, as data (like agreements.workflow
for grants). Pure Python, no Django.

    submitted --publish (the committee: chair or steward)--> published
    published --unpublish (the committee withdraws it from the register)--> submitted

The holder writes findings with a progress report or the close-out attestation
(agreements.services.findings); only the grant's committee decides what the public
register shows, and may take it back (a summary that names a community it should not).
"""

from __future__ import annotations

from enum import StrEnum

from agreements.workflow import Role as GrantRole
from dac_portal.state_machine import StateMachine


class Status(StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"


class Action(StrEnum):
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"


S, A = Status, Action

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (S.SUBMITTED, A.PUBLISH): S.PUBLISHED,
    (S.PUBLISHED, A.UNPUBLISH): S.SUBMITTED,
}

# The roles are the grant's (agreements.rules.grant_roles): whoever oversees the grant
# decides what of it the public reads.
_COMMITTEE = {
    S.SUBMITTED: frozenset({A.PUBLISH}),
    S.PUBLISHED: frozenset({A.UNPUBLISH}),
}
PERMISSIONS: dict[GrantRole, dict[Status, frozenset[Action]]] = {
    GrantRole.COMMITTEE_CHAIR: dict(_COMMITTEE),
    GrantRole.STEWARD: dict(_COMMITTEE),
}

MACHINE = StateMachine(
    "findings",
    transitions={key: frozenset({target}) for key, target in TRANSITIONS.items()},
    permissions=PERMISSIONS,
    noun="findings statement",
)


def next_status(status: str, action: str) -> Status:
    return Status(MACHINE.next_status(status, action))
