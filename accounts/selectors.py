"""Reads about accounts, filtered to what the caller may see."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from accounts.models import (
    ApiToken,
    Committee,
    CommitteeInvitation,
    CommitteeMembership,
    CommitteeProfile,
    CommitteeRole,
    DeclaredInterest,
    MembershipPeriod,
    User,
    WhoRegion,
)
from accounts.permissions import can, is_admin
from dac_portal.errors import NotFound, PermissionDenied
from dac_portal.tokens import digest_of_link


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).select_related("user").first()
    if token is None:
        raise NotFound("No such token.")
    return token


def declared_interests_of(*, user: User) -> QuerySet[DeclaredInterest]:
    """A person's own register, current entries first."""
    return DeclaredInterest.objects.filter(user=user).order_by(
        F("ended_at").desc(nulls_first=True), "-declared_at"
    )


def declared_interest_get_for_user(*, user: User, public_id: Any) -> DeclaredInterest:
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such declared interest.") from None
    interest = DeclaredInterest.objects.filter(public_id=wanted, user=user).first()
    if interest is None:
        raise NotFound("No such declared interest.")
    return interest


def current_interests_of(user_ids: Any) -> dict[int, list[DeclaredInterest]]:
    """The current (not ended) declared interests of these people, by person: what a chair
    reads beside a request. One query."""
    found: dict[int, list[DeclaredInterest]] = {}
    for interest in DeclaredInterest.objects.filter(
        user_id__in=list(user_ids), ended_at__isnull=True
    ).order_by("-declared_at"):
        found.setdefault(interest.user_id, []).append(interest)
    return found


def committee_for_chair(*, user: User, slug: str) -> Committee:
    """A committee whose members `user` may manage (its chairs, and administrators)."""
    committee = Committee.objects.filter(slug=slug).first()
    if committee is None:
        raise NotFound("No such committee.")
    if not (can(user, "committee.chair", committee) or is_admin(user)):
        raise PermissionDenied("Only the committee's chairs manage its members.")
    return committee


def committee_members(committee: Committee) -> list[CommitteeMembership]:
    """The committee's people now, by role, with what each publishes. One query."""
    order: dict[str, int] = {role: i for i, role in enumerate(ROLE_ORDER)}
    rows = list(
        CommitteeMembership.objects.filter(committee=committee).select_related(
            "user", "user__institution", "user__committee_profile"
        )
    )
    return sorted(rows, key=lambda m: (order[m.role], m.user.last_name, m.user.username))


def membership_get(*, committee: Committee, membership_id: Any) -> CommitteeMembership:
    pk = _int_or_none(membership_id)
    found = (
        CommitteeMembership.objects.filter(committee=committee, pk=pk)
        .select_related("user", "committee")
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFound("No such member of this committee.")
    return found


def pending_invitations(committee: Committee) -> QuerySet[CommitteeInvitation]:
    return CommitteeInvitation.objects.filter(
        committee=committee, accepted_at__isnull=True, cancelled_at__isnull=True
    ).order_by("-invited_at")


def invitation_get(*, committee: Committee, public_id: Any) -> CommitteeInvitation:
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound("No such invitation.") from None
    found = (
        CommitteeInvitation.objects.filter(committee=committee, public_id=wanted)
        .select_related("committee")
        .first()
    )
    if found is None:
        raise NotFound("No such invitation.")
    return found


def invitation_by_link(token: Any) -> CommitteeInvitation:
    """The pending invitation an e-mailed link names (404 when used, cancelled or mistyped)."""
    found = (
        CommitteeInvitation.objects.filter(
            token_sha256=digest_of_link(token), accepted_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("committee", "invited_by")
        .first()
    )
    if found is None:
        raise NotFound("This invitation link is not valid: it was used, cancelled or mistyped.")
    return found


def committee_profile_of(user: User) -> CommitteeProfile | None:
    return CommitteeProfile.objects.filter(user=user).first()


def seats_of(user: User) -> list[CommitteeMembership]:
    """The person's own committee roles, with their terms."""
    return list(
        CommitteeMembership.objects.filter(user=user)
        .select_related("committee")
        .order_by("committee__name", "role")
    )


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


# -- The public composition --------------------------------------------------------------

ROLE_ORDER = (CommitteeRole.CHAIR, CommitteeRole.MEMBER, CommitteeRole.LAY, CommitteeRole.STEWARD)


@dataclass
class Composition:
    by_role: list[tuple[str, int]]
    by_region: list[tuple[str, int]]  # among those who publish a region
    expertise: list[str]  # what those who publish it wrote, each once
    lay_representatives_vote: bool

    @property
    def people(self) -> int:
        return sum(count for _label, count in self.by_role)


def committee_composition(committee: Committee) -> Composition:
    """Who sits on a committee, as counts by role, and by region and expertise for those
    who publish them: no names. One query."""
    roles: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    expertise: set[str] = set()
    seen: set[int] = set()
    for user_id, role, region, field in CommitteeMembership.objects.filter(
        committee=committee, user__is_active=True
    ).values_list(
        "user_id", "role", "user__committee_profile__region", "user__committee_profile__expertise"
    ):
        roles[role] += 1
        if user_id in seen:
            continue  # one person with two roles counts once by region and expertise
        seen.add(user_id)
        if region:
            regions[region] += 1
        if field:
            expertise.add(field)
    return Composition(
        by_role=[(str(CommitteeRole(r).label), roles[r]) for r in ROLE_ORDER if roles[r]],
        by_region=[(str(WhoRegion(code).label), count) for code, count in sorted(regions.items())],
        expertise=sorted(expertise, key=str.casefold),
        lay_representatives_vote=committee.lay_representatives_vote,
    )


@dataclass
class LayShare:
    quarter: str  # "2026 Q3"
    people: int  # who sat on a committee, in any role but steward, at the quarter's end
    lay: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.lay / self.people) if self.people else None


def lay_share_over_time(*, now: datetime, quarters: int = 8) -> list[LayShare]:
    """The share of lay and community representatives among the people on committees
    (chairs, members, lay representatives), at the end of each of the last `quarters`
    quarters, the current one as of `now`. One query, over MembershipPeriod."""
    ends = _quarter_ends(now, quarters)
    deciding = MembershipPeriod.objects.exclude(role=CommitteeRole.STEWARD)
    aggregates: dict[str, Any] = {}
    for i, end in enumerate(ends):
        held = Q(started_at__lte=end) & (Q(ended_at__isnull=True) | Q(ended_at__gt=end))
        aggregates[f"people_{i}"] = Count("user", filter=held, distinct=True)
        aggregates[f"lay_{i}"] = Count(
            "user", filter=held & Q(role=CommitteeRole.LAY), distinct=True
        )
    counts = deciding.aggregate(**aggregates)
    return [
        LayShare(
            quarter=f"{end.year} Q{(end.month - 1) // 3 + 1}",
            people=counts[f"people_{i}"],
            lay=counts[f"lay_{i}"],
        )
        for i, end in enumerate(ends)
    ]


def _quarter_ends(now: datetime, quarters: int) -> list[datetime]:
    """The ends of the last `quarters` quarters, oldest first; `now` stands for the end of
    the current one."""
    ends = [now]
    year, quarter = now.year, (now.month - 1) // 3  # 0-based current quarter
    for _ in range(quarters - 1):
        start_month = quarter * 3 + 1
        ends.append(datetime(year, start_month, 1, tzinfo=now.tzinfo) - timedelta(microseconds=1))
        quarter -= 1
        if quarter < 0:
            year, quarter = year - 1, 3
    return list(reversed(ends))


# -- who votes on a committee ---------------------------------------------------------------

VOTING_ROLES = (CommitteeRole.CHAIR, CommitteeRole.MEMBER)


def voting_seat_q(prefix: str = "") -> Q:
    """The memberships that carry a vote, as a filter on CommitteeMembership (`prefix`
    reaches them from another model, e.g. "committee_memberships__")."""
    return Q(**{f"{prefix}role__in": VOTING_ROLES}) | Q(
        **{f"{prefix}role": CommitteeRole.LAY, f"{prefix}committee__lay_representatives_vote": True}
    )


def committee_voters(committee_id: int) -> dict[int, str]:
    """user id -> committee role, for the committee's chairs and members, and its lay and
    community representatives when they vote (who vote)."""
    result: dict[int, str] = {}
    for user_id, role in CommitteeMembership.objects.filter(
        voting_seat_q(), committee_id=committee_id, user__is_active=True
    ).values_list("user_id", "role"):
        if result.get(user_id) != CommitteeRole.CHAIR:
            result[user_id] = role
    return result
