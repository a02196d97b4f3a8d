"""Who hears an appeal, and what the panel's votes allow: the reading side of appeals
(access_requests/appeals holds the writing side, the page and REST).

The panel is the hearing committee's voting members (the request's lead committee, or
the committee its policy names) less everyone who took part in the original decision
(voted on any of its datasets, or recorded it), less anyone kept out of the request by a
recusal or an unwaived conflict of interest. Those who took part are frozen on the appeal
when it is filed (`Appeal.took_part`), so that a later change of membership cannot bring
them back. Imported by access_requests.rules (the APPEAL_PANEL role), so it reads models
and accounts only, never the review package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from access_requests import conflicts, workflow
from access_requests.audit_actions import RequestAudit
from access_requests.models import (
    AccessRequest,
    Appeal,
    AppealStatus,
    AppealVote,
    AppealVoteChoice,
    Recusal,
    Vote,
)
from accounts.models import Committee
from accounts.selectors import committee_voters
from audit.models import AuditEvent

REJECTED = workflow.Status.REJECTED
UPHELD = AppealStatus.UPHELD.value
OVERTURNED = AppealStatus.OVERTURNED.value


def hearing_committee_of(access_request: AccessRequest) -> Committee | None:
    """The committee that hears an appeal of this request: the one the lead committee's
    policy names, else the lead committee itself."""
    lead = access_request.committee
    if lead is None:
        return None
    return lead.appeals_committee or lead


def took_part_ids(access_request: AccessRequest) -> set[int]:
    """Everyone who voted on the request, or recorded a decision on it (read from the
    audit log, which names each decision's actor)."""
    voters = set(
        Vote.objects.filter(access_request=access_request).values_list("voter_id", flat=True)
    )
    deciders = AuditEvent.objects.filter(
        object_type="access_request",
        object_id=access_request.reference,
        action=RequestAudit.ACCESS_REQUEST_DECIDED,
        actor__isnull=False,
    ).values_list("actor_id", flat=True)
    return voters | set(deciders)


def appeal_closes_on(access_request: AccessRequest) -> date | None:
    """The last day the applicant may appeal (None: the request was never decided)."""
    if access_request.decided_at is None or access_request.committee is None:
        return None
    decided = timezone.localtime(access_request.decided_at).date()
    return decided + timedelta(days=access_request.committee.appeal_window_days)


def appeal_of(access_request: AccessRequest) -> Appeal | None:
    """The request's appeal, pending or decided (None: never appealed), with what its page
    and its REST answer read."""
    appeal = (
        Appeal.objects.filter(access_request=access_request)
        .select_related("hearing_committee", "decided_by")
        .first()
    )
    if appeal is not None:
        appeal.access_request = access_request  # the caller's row: no second read of it
    return appeal


def pending_appeal(access_request: AccessRequest) -> Appeal | None:
    """The request's appeal while it is being heard; no query for a request that is not
    rejected (an overturned appeal leaves the request approved)."""
    if access_request.status != REJECTED:
        return None
    return (
        Appeal.objects.filter(access_request=access_request, status=AppealStatus.PENDING)
        .select_related("hearing_committee")
        .first()
    )


def panel_ids(appeal: Appeal) -> set[int]:
    """Who may vote on and decide `appeal` now."""
    access_request = appeal.access_request
    voters = set(committee_voters(appeal.hearing_committee_id)) - set(appeal.took_part)
    recused = set(
        Recusal.objects.filter(access_request=access_request).values_list("member_id", flat=True)
    )
    voters -= recused
    return voters - conflicts.conflicted_ids(access_request, voters)


def on_panel(user: Any, access_request: AccessRequest) -> bool:
    """True when `user` hears the request's pending appeal (before recusal and conflicts,
    which the workflow's suspensions apply)."""
    if access_request.status != REJECTED:
        return False
    appeal = pending_appeal(access_request)
    if appeal is None or user.pk in appeal.took_part:
        return False
    return user.pk in committee_voters(appeal.hearing_committee_id)


@dataclass(frozen=True)
class AppealTally:
    panel: int
    quorum: int
    uphold: int
    overturn: int
    abstain: int

    @property
    def voted(self) -> int:
        return self.uphold + self.overturn + self.abstain

    @property
    def missing(self) -> int:
        return max(0, self.quorum - self.voted)

    @property
    def quorum_met(self) -> bool:
        return self.panel > 0 and self.voted >= self.quorum

    @property
    def outcome(self) -> str:
        """What the votes lead to: overturned only when more of the panel overturn than
        uphold; a tie leaves the rejection standing (the appellant carries the case)."""
        return OVERTURNED if self.overturn > self.uphold else UPHELD

    def as_dict(self) -> dict[str, Any]:
        return {
            "panel": self.panel,
            "quorum": self.quorum,
            "voted": self.voted,
            "uphold": self.uphold,
            "overturn": self.overturn,
            "abstain": self.abstain,
            "quorum_met": self.quorum_met,
            "outcome": self.outcome if self.quorum_met else None,
        }


def appeal_tally(appeal: Appeal, panel: set[int] | None = None) -> AppealTally:
    """The panel's votes so far. The quorum is the hearing committee's, capped by the
    panel's size (a small panel can still decide)."""
    panel = panel_ids(appeal) if panel is None else panel
    counted = [
        v
        for voter, v in AppealVote.objects.filter(appeal=appeal).values_list("voter_id", "vote")
        if voter in panel
    ]
    quorum = max(1, min(appeal.hearing_committee.quorum, len(panel)))
    return AppealTally(
        panel=len(panel),
        quorum=quorum,
        uphold=counted.count(AppealVoteChoice.UPHOLD),
        overturn=counted.count(AppealVoteChoice.OVERTURN),
        abstain=counted.count(AppealVoteChoice.ABSTAIN),
    )


def appeals_awaiting_vote(user: Any, committee_ids: list[int], limit: int = 1000) -> list[str]:
    """The references of pending appeals heard by `committee_ids` on which `user` sits
    (neither recused nor conflicted) and has not voted yet, the oldest first (the home
    page's work item). Who took part is a JSON list: read here rather than filtered in SQL,
    which SQLite cannot do; pending appeals of one person's committees are few."""
    recused = Recusal.objects.filter(access_request=OuterRef("access_request"), member=user)
    rows = (
        Appeal.objects.filter(hearing_committee_id__in=committee_ids, status=AppealStatus.PENDING)
        .exclude(votes__voter=user)
        .exclude(Exists(recused))
        .exclude(conflicts.unwaived_conflict_q(user))
        .order_by("filed_at", "id")
        .values_list("access_request__reference", "took_part")[:limit]
    )
    return [reference for reference, took_part in rows if user.pk not in took_part]
