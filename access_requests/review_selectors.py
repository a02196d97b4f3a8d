"""Reads of the committee review: the queue, one request's review state (eligible voters,
recusals, votes, the live tally per dataset, notes), always for a caller who is on the
request's committee. Anyone else gets NotFound, as for a request that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from access_requests import voting, workflow
from access_requests.models import (
    AccessRequest,
    CommitteeNote,
    CommitteeReviewSettings,
    Recusal,
    RequestedDataset,
    ReviewAssignment,
    ReviewMode,
    Vote,
)
from access_requests.rules import is_committee_viewer
from access_requests.selectors import _reference
from accounts.models import Committee, CommitteeMembership, CommitteeRole, User
from accounts.roles import roles_of
from dac_portal.errors import NotFound, ValidationError

QUEUE_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
QUEUE_STATUSES = (
    workflow.Status.UNDER_REVIEW,
    workflow.Status.CHANGES_REQUESTED,
    workflow.Status.SUBMITTED,
    workflow.Status.APPROVED,
    workflow.Status.REJECTED,
)
VOTING_ROLES = (CommitteeRole.CHAIR, CommitteeRole.MEMBER)


def review_mode(committee: Committee | None) -> str:
    if committee is None:
        return ReviewMode.ALL_MEMBERS
    found = CommitteeReviewSettings.objects.filter(committee=committee).first()
    return found.review_mode if found else ReviewMode.ALL_MEMBERS


def committee_voters(committee_id: int) -> dict[int, str]:
    """user id -> committee role, for the committee's chairs and members (who vote)."""
    result: dict[int, str] = {}
    for user_id, role in CommitteeMembership.objects.filter(
        committee_id=committee_id, role__in=VOTING_ROLES, user__is_active=True
    ).values_list("user_id", "role"):
        if result.get(user_id) != CommitteeRole.CHAIR:
            result[user_id] = role
    return result


def eligible_voter_ids(access_request: AccessRequest) -> set[int]:
    """Who may vote on the request, recusals not yet taken out: in `all_members` mode the
    committee's members and chairs; in `assigned` mode the assigned reviewers and chairs."""
    if access_request.committee_id is None:
        return set()
    voters = committee_voters(access_request.committee_id)
    if review_mode(access_request.committee) == ReviewMode.ASSIGNED:
        assigned = set(
            ReviewAssignment.objects.filter(access_request=access_request).values_list(
                "reviewer_id", flat=True
            )
        )
        return {
            uid for uid, role in voters.items() if role == CommitteeRole.CHAIR or uid in assigned
        }
    return set(voters)


def recused_ids(access_request: AccessRequest) -> set[int]:
    return set(
        Recusal.objects.filter(access_request=access_request).values_list("member_id", flat=True)
    )


def is_recused(user: Any, access_request: AccessRequest) -> bool:
    return Recusal.objects.filter(access_request=access_request, member_id=user.pk).exists()


def tallies(access_request: AccessRequest) -> dict[int, voting.Tally]:
    """RequestedDataset id -> the live tally of its votes."""
    committee = access_request.committee
    eligible = eligible_voter_ids(access_request)
    recused = recused_ids(access_request)
    by_row: dict[int, dict[int, str]] = {}
    for row_id, voter_id, choice in Vote.objects.filter(access_request=access_request).values_list(
        "requested_dataset_id", "voter_id", "vote"
    ):
        by_row.setdefault(row_id, {})[voter_id] = choice
    result = {}
    for row_id in RequestedDataset.objects.filter(access_request=access_request).values_list(
        "id", flat=True
    ):
        result[row_id] = voting.tally(
            rule=committee.voting_rule if committee else voting.CHAIR,
            quorum=committee.quorum if committee else 1,
            eligible=eligible,
            recused=recused,
            votes=by_row.get(row_id, {}),
        )
    return result


# -- one request ---------------------------------------------------------------------------


@dataclass
class ReviewState:
    access_request: AccessRequest
    rows: list[RequestedDataset]
    tallies: dict[int, voting.Tally]
    votes: list[Vote]
    my_votes: dict[int, Vote]
    recusals: list[Recusal]
    recused: bool
    may_vote: bool
    notes: list[CommitteeNote] | None  # None: the caller may not read them (recused)
    assignments: list[ReviewAssignment]
    eligible: set[int]
    same_institution: bool
    revisions: list[Any] = field(default_factory=list)
    other_requests: list[AccessRequest] = field(default_factory=list)
    sanction: Any = None


def review_request_for_user(*, user: Any, reference: str) -> AccessRequest:
    """The request, if `user` is on the committee it was routed to; NotFound otherwise."""
    access_request = (
        AccessRequest.objects.filter(reference=_reference(reference))
        .select_related("applicant", "applicant__institution", "institution", "committee")
        .first()
    )
    if access_request is None or not is_committee_viewer(user, access_request):
        raise NotFound("No such access request.")
    return access_request


def review_state_for_user(*, user: Any, reference: str) -> ReviewState:
    from agreements.selectors import active_sanction_for

    access_request = review_request_for_user(user=user, reference=reference)
    rows = list(
        RequestedDataset.objects.filter(access_request=access_request)
        .select_related("dataset")
        .order_by("position", "id")
    )
    votes = list(
        Vote.objects.filter(access_request=access_request)
        .select_related("voter", "requested_dataset__dataset")
        .order_by("requested_dataset__position", "cast_at", "id")
    )
    recusals = list(Recusal.objects.filter(access_request=access_request).select_related("member"))
    recused = any(r.member_id == user.pk for r in recusals)
    eligible = eligible_voter_ids(access_request)
    notes = (
        None
        if recused
        else list(
            CommitteeNote.objects.filter(access_request=access_request).select_related("author")
        )
    )
    applicant = access_request.applicant
    return ReviewState(
        access_request=access_request,
        rows=rows,
        tallies=tallies(access_request),
        votes=votes,
        my_votes={v.requested_dataset_id: v for v in votes if v.voter_id == user.pk},
        recusals=recusals,
        recused=recused,
        may_vote=user.pk in eligible and not recused,
        notes=notes,
        assignments=list(
            ReviewAssignment.objects.filter(access_request=access_request).select_related(
                "reviewer"
            )
        ),
        eligible=eligible,
        same_institution=bool(
            applicant.institution_id
            and getattr(user, "institution_id", None) == applicant.institution_id
        ),
        revisions=list(access_request.revisions.order_by("number")),
        other_requests=list(
            AccessRequest.objects.filter(applicant=applicant)
            .exclude(pk=access_request.pk)
            .exclude(status=workflow.Status.DRAFT)
            .order_by("-created_at")[:20]
        ),
        sanction=active_sanction_for(user=applicant),
    )


def committee_members(committee: Committee) -> QuerySet:
    return (
        User.objects.filter(
            committee_memberships__committee=committee,
            committee_memberships__role__in=VOTING_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "username")
    )


# -- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = workflow.Status.UNDER_REVIEW
    dataset: str = ""
    consent: str = ""
    min_age_days: int | None = None
    mine: bool = False

    @classmethod
    def parse(cls, params: Any) -> QueueFilters:
        errors: dict[str, list[str]] = {}
        status = str(params.get("status") or workflow.Status.UNDER_REVIEW)
        if status not in QUEUE_STATUSES:
            errors["status"] = ["Unknown status."]
        consent = str(params.get("consent") or "")
        if consent and consent not in ("compatible", "incompatible", "needs_review"):
            errors["consent"] = ["Unknown consent result."]
        dataset = str(params.get("dataset") or "").strip()
        if "\x00" in dataset or len(dataset) > 50:
            errors["dataset"] = ["Invalid accession."]
        age_text = str(params.get("age") or "").strip()
        age = None
        if age_text:
            if not age_text.isdigit() or int(age_text) > 100_000:
                errors["age"] = ["A number of days."]
            else:
                age = int(age_text)
        if errors:
            raise ValidationError("Invalid queue filters.", details=errors)
        mine = str(params.get("mine") or "") in ("1", "on", "true")
        return cls(status=status, dataset=dataset, consent=consent, min_age_days=age, mine=mine)


def _encode_cursor(routed_at: datetime, pk: int) -> str:
    raw = json.dumps([routed_at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when_text, pk = json.loads(raw)
        when = parse_datetime(when_text)
        if when is None or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError("Invalid page cursor.", details={"after": ["Invalid."]}) from None
    return when, pk


@dataclass
class QueuePage:
    rows: list[AccessRequest]
    next_cursor: str | None
    filters: QueueFilters
    committees: list[Committee]


def review_queue_for_user(
    *, user: Any, filters: QueueFilters, after: str = "", limit: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """Requests routed to the caller's committees, longest waiting first, one keyset page
    (routed_at, id) at a time: the index access_request_queue serves every filter, and no
    count of the whole table is ever taken. A constant number of queries per page."""
    committee_ids = sorted(roles_of(user).committees)
    if getattr(user, "is_superuser", False):
        committee_ids = list(Committee.objects.values_list("id", flat=True))
    committees = list(Committee.objects.filter(id__in=committee_ids).order_by("name"))
    queryset = AccessRequest.objects.filter(
        committee_id__in=committee_ids, status=filters.status, routed_at__isnull=False
    )
    if filters.dataset or filters.consent:
        rows = RequestedDataset.objects.filter(access_request=OuterRef("pk"))
        if filters.dataset:
            rows = rows.filter(dataset__accession=filters.dataset)
        if filters.consent:
            rows = rows.filter(consent_result=filters.consent)
        queryset = queryset.filter(Exists(rows))
    if filters.min_age_days is not None:
        queryset = queryset.filter(
            routed_at__lte=timezone.now() - timedelta(days=filters.min_age_days)
        )
    if filters.mine:
        queryset = queryset.filter(
            Exists(ReviewAssignment.objects.filter(access_request=OuterRef("pk"), reviewer=user))
        )
    cursor = _decode_cursor(after)
    if cursor is not None:
        when, pk = cursor
        queryset = queryset.filter(Q(routed_at__gt=when) | Q(routed_at=when, id__gt=pk))
    page = list(
        queryset.select_related("applicant", "institution", "committee")
        .prefetch_related(
            Prefetch(
                "requested_datasets",
                queryset=RequestedDataset.objects.select_related("dataset").order_by(
                    "position", "id"
                ),
            ),
            Prefetch(
                "review_assignments",
                queryset=ReviewAssignment.objects.select_related("reviewer"),
            ),
        )
        .order_by("routed_at", "id")[: limit + 1]
    )
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        last = page[-1]
        assert last.routed_at is not None
        next_cursor = _encode_cursor(last.routed_at, last.pk)
    now = timezone.now()
    for item in page:
        assert item.routed_at is not None
        item.days_waiting = (now - item.routed_at).days  # type: ignore[attr-defined]
        target = item.committee.review_target_days if item.committee else 14
        item.target_days = target  # type: ignore[attr-defined]
        item.is_overdue = bool(  # type: ignore[attr-defined]
            item.review_due_at and item.review_due_at < now and item.status == "under_review"
        )
    return QueuePage(rows=page, next_cursor=next_cursor, filters=filters, committees=committees)


def chaired_committee_ids(user: Any) -> set[int]:
    return {cid for cid, roles in roles_of(user).committees.items() if "chair" in roles}


def note_list_for_user(*, user: Any, access_request: AccessRequest) -> list[CommitteeNote]:
    if not is_committee_viewer(user, access_request) or is_recused(user, access_request):
        raise NotFound("No such access request.")
    return list(CommitteeNote.objects.filter(access_request=access_request))
