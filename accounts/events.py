"""The facts accounts announces to the apps above it (dac_portal/events.py). accounts sits
below notifications, so it cannot send a message itself: it says what happened, inside its
transaction, and notifications/subscribers.py tells the people concerned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import Committee, CommitteeInvitation, User
from dac_portal.events import DomainEvent


@dataclass(frozen=True)
class CommitteeInvitationSent(DomainEvent):
    """A chair invited someone to a committee. `token` is the link's secret: it exists only
    in this event and the e-mail."""

    invitation: CommitteeInvitation
    token: str
    actor: Any


@dataclass(frozen=True)
class CommitteeMembershipEnded(DomainEvent):
    """Someone's role on a committee ended: a chair ended it, or the term of office ran out."""

    committee: Committee
    user: User
    role: str
    reason: str  # MembershipEnd
    actor: Any
