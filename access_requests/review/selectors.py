"""Reads of the committee review: the queue, one request's review state (eligible voters,
recusals, votes, the live tally per dataset, notes), always for a caller who is on the
request's committee. Anyone else gets NotFound, as for a request that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from access_requests import conflicts, standing, voting, workflow
from access_requests.models import (
    AccessRequest,
    CommitteeNote,
    CommitteeReviewSettings,
    CommitteeRoute,
    ConflictWaiver,
    OutsideReviewer,
    Recusal,
    RequestedDataset,
    ReviewAssignment,
    ReviewMode,
    Vote,
)
from access_requests.rules import is_committee_viewer, my_committee_ids, request_committee_ids
from access_requests.selectors import _reference
from accounts.models import Committee, CommitteeRole, User
from accounts.permissions import can
from accounts.roles import roles_of

# Who holds a vote on a committee is the committee's own business (accounts); re-exported
# here for the review's callers.
from accounts.selectors import VOTING_ROLES as VOTING_ROLES
from accounts.selectors import committee_voters as committee_voters
from accounts.selectors import current_interests_of
from accounts.selectors import voting_seat_q as voting_seat_q
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


def review_mode(committee: Committee | None) -> str:
    if committee is None:
        return ReviewMode.ALL_MEMBERS
    found = CommitteeReviewSettings.objects.filter(committee_id=committee.pk).first()
    return found.review_mode if found else ReviewMode.ALL_MEMBERS


def outside_votes_count(committee: Committee | None) -> bool:
    """Whether the committee counts the votes of the outside reviewers it invites."""
    if committee is None:
        return False
    found = CommitteeReviewSettings.objects.filter(committee_id=committee.pk).first()
    return bool(found and found.outside_votes_count)


def outside_voter_ids(access_request: AccessRequest, committee_id: int) -> set[int]:
    """The outside reviewers whose votes count on the committee's datasets of the request:
    accepted, not ended, invited by that committee (the caller checks that the committee
    counts them)."""
    return set(
        OutsideReviewer.objects.filter(
            access_request=access_request,
            committee_id=committee_id,
            accepted_at__isnull=False,
            ended_at__isnull=True,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def voting_members(committees: Any, *, kept_out: Any = ()) -> Any:
    """The people with a vote on any of `committees`, less `kept_out` (people recused or
    conflicted on the request at hand): whom a chair may assign as reviewers."""
    return (
        User.objects.filter(
            voting_seat_q("committee_memberships__"),
            committee_memberships__committee__in=committees,
            is_active=True,
        )
        .exclude(pk__in=list(kept_out))
        .distinct()
        .order_by("last_name", "username")
    )


def eligible_voter_ids(
    access_request: AccessRequest, committee_id: int | None = None, *, outside: bool = True
) -> set[int]:
    """Who may vote on the datasets of one of the request's committees (`committee_id`; all
    of its committees when None), recusals not yet taken out: in `all_members` mode the
    committee's members and chairs; in `assigned` mode the assigned reviewers and chairs;
    and, where the committee counts them, its outside reviewers on the request (unless
    `outside` is off: the committee's own people only)."""
    if committee_id is None:
        result: set[int] = set()
        for cid in request_committee_ids(access_request):
            result |= eligible_voter_ids(access_request, cid, outside=outside)
        return result
    voters = committee_voters(committee_id)
    review_settings = CommitteeReviewSettings.objects.filter(committee_id=committee_id).first()
    counted = (
        outside_voter_ids(access_request, committee_id)
        if outside and review_settings is not None and review_settings.outside_votes_count
        else set()
    )
    if review_settings is not None and review_settings.review_mode == ReviewMode.ASSIGNED:
        assigned = set(
            ReviewAssignment.objects.filter(access_request=access_request).values_list(
                "reviewer_id", flat=True
            )
        )
        return {
            uid for uid, role in voters.items() if role == CommitteeRole.CHAIR or uid in assigned
        } | counted
    return set(voters) | counted


def recused_ids(access_request: AccessRequest) -> set[int]:
    return set(
        Recusal.objects.filter(access_request=access_request).values_list("member_id", flat=True)
    )


def kept_out_ids(access_request: AccessRequest) -> set[int]:
    """Committee people who take no part in the request's review: those who recused
    themselves, and those with a conflict the portal found that no chair waived."""
    voters: set[int] = set()
    for cid in request_committee_ids(access_request):
        voters |= set(committee_voters(cid))
    return recused_ids(access_request) | conflicts.conflicted_ids(access_request, voters)


@dataclass
class MemberConflict:
    member: Any
    reasons: list[str]
    waiver: ConflictWaiver | None

    @property
    def described(self) -> str:
        return conflicts.describe(self.reasons)


def conflicts_on_request(
    access_request: AccessRequest, committee_ids: list[int]
) -> list[MemberConflict]:
    """The members of these committees with a conflict the portal found on the request,
    each with the chair's waiver if there is one (the chair's list on the review page)."""
    voters: set[int] = set()
    for cid in committee_ids:
        voters |= set(committee_voters(cid))
    if not voters:
        return []
    waivers = {
        w.member_id: w
        for w in ConflictWaiver.objects.filter(access_request=access_request).select_related(
            "granted_by"
        )
    }
    found = []
    for member in User.objects.filter(pk__in=voters).order_by("last_name", "username"):
        reasons = conflicts.conflict_reasons(member, access_request)
        if reasons:
            found.append(MemberConflict(member, reasons, waivers.get(member.pk)))
    return found


def declared_interests_for_chair(user: Any, access_request: AccessRequest) -> list[Any]:
    """For a chair of one of the request's committees: each member of the committees they
    chair with their current declared interests (members with none are left out)."""
    chaired = [
        cid
        for cid in my_committee_ids(user, access_request)
        if can(user, "committee.chair", Committee(pk=cid))
    ]
    voters: set[int] = set()
    for cid in chaired:
        voters |= set(committee_voters(cid))
    register = current_interests_of(voters)
    people = User.objects.filter(pk__in=list(register)).order_by("last_name", "username")
    return [(person, register[person.pk]) for person in people]


def is_recused(user: Any, access_request: AccessRequest) -> bool:
    return Recusal.objects.filter(access_request=access_request, member_id=user.pk).exists()


def row_committee_id(row: RequestedDataset, access_request: AccessRequest) -> int | None:
    """The committee that decides a requested dataset (the lead committee for rows older
    than multi-committee routing)."""
    return row.committee_id or access_request.committee_id


def tallies(access_request: AccessRequest) -> dict[int, voting.Tally]:
    """RequestedDataset id -> the live tally of its votes, under the rule, quorum, review
    mode and members of the committee that decides that dataset."""
    recused = recused_ids(access_request)
    by_row: dict[int, dict[int, str]] = {}
    for row_id, voter_id, choice in Vote.objects.filter(access_request=access_request).values_list(
        "requested_dataset_id", "voter_id", "vote"
    ):
        by_row.setdefault(row_id, {})[voter_id] = choice
    rows = list(
        RequestedDataset.objects.filter(access_request=access_request).values_list(
            "id", "committee_id"
        )
    )
    ids = {cid or access_request.committee_id for _row, cid in rows}
    committees = {c.pk: c for c in Committee.objects.filter(pk__in=[i for i in ids if i])}
    eligible = {cid: eligible_voter_ids(access_request, cid) for cid in committees}
    # A recusal (or an unwaived conflict) counts for the committee(s) the member sits on.
    members = {cid: set(committee_voters(cid)) for cid in committees}
    recused = recused | conflicts.conflicted_ids(
        access_request, set().union(*members.values()) if members else set()
    )
    result = {}
    for row_id, cid in rows:
        committee = committees.get(cid or access_request.committee_id or 0)
        result[row_id] = voting.tally(
            rule=committee.voting_rule if committee else voting.CHAIR,
            quorum=committee.quorum if committee else 1,
            eligible=eligible[committee.pk] if committee else set(),
            recused=recused & members[committee.pk] if committee else recused,
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
    # The caller's conflicts the portal found and no chair waived (conflicts.py).
    my_conflicts: list[str]
    may_vote: bool
    notes: list[CommitteeNote] | None  # None: the caller may not read them (recused)
    assignments: list[ReviewAssignment]
    eligible: set[int]
    same_institution: bool
    revisions: list[Any] = field(default_factory=list)
    other_requests: list[AccessRequest] = field(default_factory=list)
    # Why the applicant may not submit now (an active sanction, say), or None.
    restriction: standing.Restriction | None = None
    # Requests spanning several committees: the caller's committees among the request's,
    # the rows they vote on (`mine`) and decide (`decidable`), and the other committees.
    my_committee_ids: list[int] = field(default_factory=list)
    committees: list[Committee] = field(default_factory=list)
    mine: set[int] = field(default_factory=set)  # RequestedDataset ids of my committees
    decidable: set[int] = field(default_factory=set)  # undecided rows of committees I chair
    votable: set[int] = field(default_factory=set)  # undecided rows where I am eligible
    due_at: datetime | None = None  # my committee's due date (the earliest of mine)

    @property
    def spans_committees(self) -> bool:
        return len(self.committees) > 1


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


# long: assembles one read model of the review page from prefetched rows, to keep its query count
#   constant
def review_state_for_user(*, user: Any, reference: str) -> ReviewState:
    access_request = review_request_for_user(user=user, reference=reference)
    rows = list(
        RequestedDataset.objects.filter(access_request=access_request)
        .select_related("dataset", "committee")
        .order_by("position", "id")
    )
    mine_ids = my_committee_ids(user, access_request)
    all_ids = request_committee_ids(access_request)
    committees = {c.pk: c for c in Committee.objects.filter(pk__in=all_ids)}
    mine = {row.pk for row in rows if row_committee_id(row, access_request) in mine_ids}
    chaired = {cid for cid in mine_ids if can(user, "committee.chair", committees.get(cid))}
    decidable = {
        row.pk
        for row in rows
        if not row.decision and row_committee_id(row, access_request) in chaired
    }
    eligible_by_committee = {cid: eligible_voter_ids(access_request, cid) for cid in mine_ids}
    votable = {
        row.pk
        for row in rows
        if not row.decision
        and user.pk in eligible_by_committee.get(row_committee_id(row, access_request) or 0, ())
    }
    # Votes, recusals and notes of another committee stay with that committee.
    votes = list(
        Vote.objects.filter(access_request=access_request, requested_dataset_id__in=mine)
        .select_related("voter", "requested_dataset__dataset")
        .order_by("requested_dataset__position", "cast_at", "id")
    )
    my_members: set[int] = set()
    for cid in mine_ids:
        my_members |= set(committee_voters(cid))
    recusals = [
        r
        for r in Recusal.objects.filter(access_request=access_request).select_related("member")
        if r.member_id in my_members or r.member_id == user.pk
    ]
    recused = any(r.member_id == user.pk for r in recusals)
    eligible: set[int] = set()
    for ids in eligible_by_committee.values():
        eligible |= ids
    # A conflict the portal found and no chair waived keeps a person out like a recusal.
    my_conflicts = conflicts.unwaived_conflicts(user, access_request)
    kept_out = recused or bool(my_conflicts)
    notes = None if kept_out else notes_visible(access_request, mine_ids)
    applicant = access_request.applicant
    return ReviewState(
        access_request=access_request,
        rows=rows,
        tallies=tallies(access_request),
        votes=votes,
        my_votes={v.requested_dataset_id: v for v in votes if v.voter_id == user.pk},
        recusals=recusals,
        recused=recused,
        my_conflicts=my_conflicts,
        may_vote=user.pk in eligible and not kept_out,
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
        restriction=standing.restriction_for(applicant),
        my_committee_ids=mine_ids,
        due_at=min(
            (
                d
                for d in CommitteeRoute.objects.filter(
                    access_request=access_request, committee_id__in=mine_ids
                ).values_list("review_due_at", flat=True)
                if d is not None
            ),
            default=access_request.review_due_at,
        ),
        committees=[committees[i] for i in all_ids if i in committees],
        mine=mine,
        decidable=decidable,
        votable=votable,
    )


def notes_visible(access_request: AccessRequest, committee_ids: list[int]) -> list[CommitteeNote]:
    """The notes of the given committees (a note without a committee is the lead
    committee's, from before notes were kept per committee)."""
    visible = Q(committee_id__in=committee_ids)
    if access_request.committee_id in committee_ids:
        visible |= Q(committee__isnull=True)
    return list(
        CommitteeNote.objects.filter(access_request=access_request)
        .filter(visible)
        .select_related("author")
    )


# -- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = workflow.Status.UNDER_REVIEW
    dataset: str = ""
    consent: str = ""
    min_age_days: int | None = None
    mine: bool = False
    committee: str = ""  # a committee's slug, among the caller's
    institution: int | None = None  # the applicant institution's id
    due_before: date | None = None  # the committee's due date, on or before
    sort: str = "waiting"  # QUEUE_SORTS

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
        committee = str(params.get("committee") or "").strip()
        if "\x00" in committee or len(committee) > 50:
            errors["committee"] = ["Unknown committee."]
        institution_text = str(params.get("institution") or "").strip()
        institution = None
        if institution_text:
            if not institution_text.isdigit() or len(institution_text) > 12:
                errors["institution"] = ["Unknown institution."]
            else:
                institution = int(institution_text)
        due_text = str(params.get("due_before") or "").strip()
        due_before = parse_date(due_text) if due_text and len(due_text) <= 10 else None
        if due_text and due_before is None:
            errors["due_before"] = ["A date, YYYY-MM-DD."]
        sort = str(params.get("sort") or "waiting")
        if sort not in QUEUE_SORTS:
            errors["sort"] = ["Unknown order."]
        if errors:
            raise ValidationError("Invalid queue filters.", details=errors)
        mine = str(params.get("mine") or "") in ("1", "on", "true")
        return cls(
            status=status,
            dataset=dataset,
            consent=consent,
            min_age_days=age,
            mine=mine,
            committee=committee,
            institution=institution,
            due_before=due_before,
            sort=sort,
        )


# The queue's orders: each one a keyset on (a date of the route, request id), served by an
# index of CommitteeRoute (committee_route_queue for the routing date, committee_route_due
# for the due date).
QUEUE_SORTS = {
    "waiting": ("routed_at", False),  # longest waiting first (routed first)
    "newest": ("routed_at", True),  # most recently routed first
    "due": ("review_due_at", False),  # nearest due date first
}


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


# long: one keyset-paginated query with each optional filter; split, the filters would be read apart
#   from the query they narrow
def review_queue_for_user(  # noqa: C901 - each optional filter of the queue is one branch; splitting them would scatter one query
    *, user: Any, filters: QueueFilters, after: str = "", limit: int = QUEUE_PAGE_SIZE
) -> QueuePage:
    """Requests routed to the caller's committees, longest waiting first, one keyset page
    (routed_at, request id) at a time. Read from CommitteeRoute (one row per committee a
    request goes to, so a request spanning two committees is in both queues): the index
    committee_route_queue serves every filter, and no count of the whole table is ever
    taken. A constant number of queries per page."""
    committee_ids = sorted(roles_of(user).committees)
    if getattr(user, "is_superuser", False):
        committee_ids = list(Committee.objects.values_list("id", flat=True))
    committees = list(Committee.objects.filter(id__in=committee_ids).order_by("name"))
    queryset = CommitteeRoute.objects.filter(
        committee_id__in=committee_ids, status=filters.status, routed_at__isnull=False
    )
    if filters.dataset or filters.consent:
        rows = RequestedDataset.objects.filter(access_request=OuterRef("access_request"))
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
            Exists(
                ReviewAssignment.objects.filter(
                    access_request=OuterRef("access_request"), reviewer=user
                )
            )
        )
    if filters.committee:
        queryset = queryset.filter(committee__slug=filters.committee)
    if filters.institution is not None:
        queryset = queryset.filter(access_request__institution_id=filters.institution)
    if filters.due_before is not None:
        end = datetime.combine(
            filters.due_before, datetime.max.time(), tzinfo=timezone.get_current_timezone()
        )
        queryset = queryset.filter(review_due_at__lte=end)
    field, descending = QUEUE_SORTS[filters.sort]
    queryset = queryset.filter(**{f"{field}__isnull": False})
    cursor = _decode_cursor(after)
    if cursor is not None:
        when, pk = cursor
        beyond = "lt" if descending else "gt"
        queryset = queryset.filter(
            Q(**{f"{field}__{beyond}": when})
            | Q(**{field: when, f"access_request_id__{beyond}": pk})
        )
    routes = list(
        queryset.select_related(
            "committee",
            "access_request__applicant",
            "access_request__institution",
            "access_request__committee",
        )
        .prefetch_related(
            Prefetch(
                "access_request__requested_datasets",
                queryset=RequestedDataset.objects.select_related("dataset").order_by(
                    "position", "id"
                ),
            ),
            Prefetch(
                "access_request__review_assignments",
                queryset=ReviewAssignment.objects.select_related("reviewer"),
            ),
        )
        .order_by(*(f"-{f}" if descending else f for f in (field, "access_request_id")))[
            : limit + 1
        ]
    )
    next_cursor = None
    if len(routes) > limit:
        routes = routes[:limit]
        last = routes[-1]
        key = getattr(last, field)
        assert key is not None
        next_cursor = _encode_cursor(key, last.access_request_id)
    # Someone on two committees of one request sees it once (its routes are adjacent:
    # same routed_at and request id), under the committee whose target is nearest.
    page: list[AccessRequest] = []
    by_request: dict[int, AccessRequest] = {}
    now = timezone.now()
    for route in routes:
        item = route.access_request
        due = route.review_due_at
        if item.pk in by_request:
            seen = by_request[item.pk]
            if due and (seen.route_due_at is None or due < seen.route_due_at):  # type: ignore[attr-defined]
                seen.route_due_at = due  # type: ignore[attr-defined]
                seen.target_days = route.committee.review_target_days  # type: ignore[attr-defined]
            continue
        by_request[item.pk] = item
        page.append(item)
        item.route_due_at = due  # type: ignore[attr-defined]
        item.target_days = route.committee.review_target_days  # type: ignore[attr-defined]
    for item in page:
        assert item.routed_at is not None
        item.days_waiting = (now - item.routed_at).days  # type: ignore[attr-defined]
        due = item.route_due_at or item.review_due_at  # type: ignore[attr-defined]
        item.is_overdue = bool(  # type: ignore[attr-defined]
            due and due < now and item.status == "under_review"
        )
    return QueuePage(rows=page, next_cursor=next_cursor, filters=filters, committees=committees)


def chaired_committee_ids(user: Any) -> set[int]:
    return {cid for cid, roles in roles_of(user).committees.items() if "chair" in roles}


def note_list_for_user(*, user: Any, access_request: AccessRequest) -> list[CommitteeNote]:
    if not is_committee_viewer(user, access_request) or is_recused(user, access_request):
        raise NotFound("No such access request.")
    return notes_visible(access_request, my_committee_ids(user, access_request))
