"""What the access requests app puts on each person's home page (dac_portal/dashboard.py):
the applicant's drafts and change requests, the official's endorsements, the member's
votes due and the chair's queue. Aggregates only: a fixed number of queries per panel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from access_requests import appeal_panel, conflicts, workflow
from access_requests.models import (
    AccessRequest,
    CommitteeRoute,
    Recusal,
    ReviewAssignment,
    ReviewMode,
    Vote,
)
from accounts.models import Committee, CommitteeRole
from accounts.permissions import can
from accounts.roles import roles_of
from dac_portal.dashboard import Panel, WorkItem, capped_count, register

S = workflow.Status


def _is_applicant(user: Any) -> bool:
    return can(user, "access_request.create")


def _applicant_items(user: Any, now: datetime) -> list[WorkItem]:
    counts = AccessRequest.objects.filter(applicant=user).aggregate(
        drafts=Count("pk", filter=Q(status=S.DRAFT)),
        changes=Count("pk", filter=Q(status=S.CHANGES_REQUESTED)),
        waiting=Count("pk", filter=Q(status__in=[S.SUBMITTED, S.UNDER_REVIEW])),
    )
    mine = reverse("access_requests:list")
    return [
        WorkItem(_("Drafts to complete and submit"), counts["drafts"], mine, key="drafts"),
        WorkItem(
            _("Requests the committee sent back for changes"),
            counts["changes"],
            mine,
            key="changes_requested",
        ),
        WorkItem(_("Requests waiting for a decision"), counts["waiting"], mine, key="waiting"),
    ]


def _is_official(user: Any) -> bool:
    return bool(roles_of(user).official_for)


def _official_items(user: Any, now: datetime) -> list[WorkItem]:
    count = (
        AccessRequest.objects.filter(
            status=S.SUBMITTED, institution_id__in=roles_of(user).official_for
        )
        .exclude(applicant=user)
        .count()
    )
    return [
        WorkItem(
            _("Requests awaiting your endorsement"),
            count,
            reverse("access_requests:list"),
            always=True,
            key="endorsements",
        )
    ]


def _voting_committee_ids(user: Any) -> list[int]:
    """The committees on which the person votes: as chair or member, or as a lay or
    community representative where those vote (one query, for lay representatives only)."""
    roles = roles_of(user)
    ids = roles.committees_where(CommitteeRole.CHAIR, CommitteeRole.MEMBER)
    lay = set(roles.committees_where(CommitteeRole.LAY)) - set(ids)
    if lay:
        ids += list(
            Committee.objects.filter(pk__in=lay, lay_representatives_vote=True).values_list(
                "pk", flat=True
            )
        )
    return ids


def _is_voter(user: Any) -> bool:
    return bool(_voting_committee_ids(user))


def votes_due(user: Any) -> QuerySet[CommitteeRoute]:
    """The open routes of the user's committees on which they may vote and have not:
    under review, undecided, not recused, and (in `assigned` mode) assigned to them
    unless they chair."""
    committees = _voting_committee_ids(user)
    chaired = roles_of(user).committees_where(CommitteeRole.CHAIR)
    voted = Vote.objects.filter(
        access_request=OuterRef("access_request"),
        voter=user,
        requested_dataset__committee=OuterRef("committee"),
    )
    recused = Recusal.objects.filter(access_request=OuterRef("access_request"), member=user)
    assigned = ReviewAssignment.objects.filter(
        access_request=OuterRef("access_request"), reviewer=user
    )
    return (
        CommitteeRoute.objects.filter(
            committee_id__in=committees, status=S.UNDER_REVIEW, decided_at__isnull=True
        )
        .exclude(Exists(voted))
        .exclude(Exists(recused))
        # A conflict the portal finds keeps them out until a chair waives it.
        .exclude(conflicts.unwaived_conflict_q(user))
        .exclude(
            Q(committee__review_settings__review_mode=ReviewMode.ASSIGNED)
            & ~Q(committee_id__in=chaired)
            & ~Exists(assigned)
        )
    )


def _member_items(user: Any, now: datetime) -> list[WorkItem]:
    due = votes_due(user)
    appeals = appeal_panel.appeals_awaiting_vote(user, _voting_committee_ids(user))
    return [
        WorkItem(
            _("Requests waiting for your vote"),
            capped_count(due),
            reverse("access_requests:review-queue"),
            due=_first_due(due),
            always=True,
            key="votes_due",
        ),
        # Linked to the oldest: appeals are rare, and each is heard on its own page.
        WorkItem(
            _("Appeals waiting for your vote"),
            len(appeals),
            reverse("access_requests:appeal", args=[appeals[0]]) if appeals else "",
            key="appeals_due",
        ),
    ]


def _first_due(routes: QuerySet[CommitteeRoute]) -> Any:
    """The earliest decision due date among `routes` (an index scan on
    committee_route_due, stopped at the first row)."""
    return (
        routes.filter(review_due_at__isnull=False)
        .order_by("review_due_at")
        .values_list("review_due_at", flat=True)
        .first()
    )


def _is_chair(user: Any) -> bool:
    return bool(roles_of(user).committees_where(CommitteeRole.CHAIR))


def _chair_items(user: Any, now: datetime) -> list[WorkItem]:
    chaired = roles_of(user).committees_where(CommitteeRole.CHAIR)
    open_routes = CommitteeRoute.objects.filter(
        committee_id__in=chaired, status=S.UNDER_REVIEW, decided_at__isnull=True
    )
    # Enough votes for a decision: each committee's own quorum, against the route's
    # `voters` (kept by the vote and recusal services); one range scan per committee on
    # committee_route_voters. The review page has the exact tally per dataset.
    quorums = Committee.objects.filter(pk__in=chaired).values_list("pk", "quorum")
    enough = Q(pk__in=[])
    for committee_id, quorum in quorums:
        enough |= Q(committee_id=committee_id, voters__gte=max(quorum, 1))
    queue = reverse("access_requests:review-queue")
    return [
        WorkItem(
            _("Requests under review"),
            capped_count(open_routes),
            queue,
            due=_first_due(open_routes),
            always=True,
            key="under_review",
        ),
        WorkItem(
            _("Past the committee's decision target"),
            capped_count(open_routes.filter(review_due_at__lt=now)),
            queue,
            key="overdue",
        ),
        WorkItem(
            _("With enough votes for your decision"),
            capped_count(open_routes.filter(enough)),
            queue,
            key="quorum_reached",
        ),
    ]


register(
    Panel("requests.applicant", _("Your requests"), _is_applicant, _applicant_items, position=10)
)
register(
    Panel("requests.official", _("Your institution"), _is_official, _official_items, position=20)
)
register(Panel("requests.member", _("Your votes"), _is_voter, _member_items, position=30))
register(Panel("requests.chair", _("Your committee's queue"), _is_chair, _chair_items, position=40))
