"""Who may see an access request, and which workflow roles a person holds towards one.

The same visibility is written twice: as a rule on one object (pages, services) and as a
query filter (selectors, lists); tests/access_requests/test_visibility.py checks that the
two agree for every demo user and request.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Exists, OuterRef, Q

from access_requests import appeal_panel, conflicts, workflow
from access_requests.models import (
    AccessRequest,
    Appeal,
    Collaborator,
    CommitteeRoute,
    OutsideReviewer,
    Recusal,
)
from accounts.models import (
    Committee,
    CommitteeMembership,
    CommitteeRole,
    PortalRole,
    PortalRoleAssignment,
)
from accounts.permissions import can, has_portal_role, is_admin, rule
from accounts.roles import roles_of

Role = workflow.Role


def request_committee_ids(access_request: AccessRequest) -> list[int]:
    """The committees the request goes to (its CommitteeRoute rows, in dataset order; the
    lead committee first). Reads a prefetch of `committee_routes` when there is one."""
    prefetched = getattr(access_request, "_prefetched_objects_cache", {}).get("committee_routes")
    if prefetched is not None:
        ids = [route.committee_id for route in prefetched]
    else:
        ids = list(
            CommitteeRoute.objects.filter(access_request_id=access_request.pk)
            .order_by("position", "id")
            .values_list("committee_id", flat=True)
        )
    if not ids and access_request.committee_id:
        ids = [access_request.committee_id]
    return ids


def my_committee_ids(user: Any, access_request: AccessRequest) -> list[int]:
    """The request's committees that `user` belongs to (every one for a superuser). No
    query for someone on no committee at all (applicants, officials)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    superuser = bool(getattr(user, "is_superuser", False))
    mine = roles_of(user).committees
    if not mine and not superuser:
        return []
    return [cid for cid in request_committee_ids(access_request) if superuser or cid in mine]


def workflow_roles(user: Any, access_request: AccessRequest) -> frozenset[str]:
    """The roles of workflow.PERMISSIONS that `user` holds towards this request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    held: set[str] = set()
    if access_request.applicant_id == user.pk:
        held.add(Role.APPLICANT)
    if (
        access_request.institution_id
        and access_request.institution_id in roles_of(user).official_for
    ):
        held.add(Role.SIGNING_OFFICIAL)
    held |= _committee_roles(user, access_request)
    if _hears_appeal(user, access_request):
        held.add(Role.APPEAL_PANEL)
    if held & workflow.SUSPENDED_BY_RECUSAL and _has_recused(user, access_request):
        held.add(Role.RECUSED)
    if held & workflow.SUSPENDED_BY_RECUSAL and conflicts.unwaived_conflicts(user, access_request):
        held.add(Role.CONFLICTED)
    if is_admin(user):
        held.add(Role.ADMINISTRATOR)
    if has_portal_role(user, PortalRole.AUDITOR):
        held.add(Role.AUDITOR)
    held |= _outside_reviewer_role(user, access_request)
    return frozenset(held)


# While an outside reviewer may hold their role (before review no invitation exists, and
# the decision or withdrawal ends every one): no query for requests in other statuses.
_OUTSIDE_REVIEW_STATUSES = frozenset(
    {workflow.Status.UNDER_REVIEW, workflow.Status.CHANGES_REQUESTED}
)


def _outside_reviewer_role(user: Any, access_request: AccessRequest) -> set[str]:
    """OUTSIDE_REVIEWER for someone whose invitation to this request they accepted and is
    not ended. Reads a prefetch of `outside_reviewers` when there is one, else one query."""
    if access_request.status not in _OUTSIDE_REVIEW_STATUSES:
        return set()
    prefetched = getattr(access_request, "_prefetched_objects_cache", {}).get("outside_reviewers")
    if prefetched is not None:
        active = any(
            r.user_id == user.pk and r.accepted_at is not None and r.ended_at is None
            for r in prefetched
        )
    else:
        active = OutsideReviewer.objects.filter(
            access_request_id=access_request.pk,
            user_id=user.pk,
            accepted_at__isnull=False,
            ended_at__isnull=True,
        ).exists()
    return {Role.OUTSIDE_REVIEWER} if active else set()


def _committee_roles(user: Any, access_request: AccessRequest) -> set[str]:
    """The roles on any of the request's committees: which datasets a chair may decide, or
    a member vote on, is checked per dataset by the review services."""
    held: set[str] = set()
    ids = my_committee_ids(user, access_request)
    for committee in Committee.objects.filter(pk__in=ids) if ids else []:
        if can(user, "committee.chair", committee):
            held.add(Role.COMMITTEE_CHAIR)
        if can(user, "committee.review", committee):
            held.add(_reviewer_role(user, committee))
        if can(user, "committee.steward", committee):
            held.add(Role.STEWARD)
    return held


def _hears_appeal(user: Any, access_request: AccessRequest) -> bool:
    """APPEAL_PANEL: no query for a request that is not rejected, or for someone on no
    committee at all."""
    if access_request.status != workflow.Status.REJECTED or not roles_of(user).committees:
        return False
    return appeal_panel.on_panel(user, access_request)


def _reviewer_role(user: Any, committee: Committee) -> Role:
    """A reviewer votes, unless their only seat is a lay one on a committee whose lay and
    community representatives advise."""
    seats = roles_of(user).on(committee.pk)
    advises = seats == {CommitteeRole.LAY} and not committee.lay_representatives_vote
    return Role.ADVISER if advises else Role.COMMITTEE_MEMBER


def _has_recused(user: Any, access_request: AccessRequest) -> bool:
    """Reads a prefetch of `recusals` when there is one (review pages), else one query."""
    prefetched = getattr(access_request, "_prefetched_objects_cache", {}).get("recusals")
    if prefetched is not None:
        return any(recusal.member_id == user.pk for recusal in prefetched)
    return Recusal.objects.filter(access_request_id=access_request.pk, member_id=user.pk).exists()


def allowed_actions_for(user: Any, access_request: AccessRequest) -> list[str]:
    return workflow.allowed_actions(access_request.status, workflow_roles(user, access_request))


def is_committee_viewer(user: Any, access_request: AccessRequest) -> bool:
    """A member, chair or steward of a committee the request was routed to."""
    if access_request.routed_at is None or access_request.committee_id is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    if access_request.committee_id in roles_of(user).committees:
        return True  # the lead committee: no need to read the routes
    return bool(my_committee_ids(user, access_request))


def visible_q(user: Any) -> Q:
    """The requests `user` may see, as one filter (subqueries, no joins that duplicate)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    as_collaborator = Exists(Collaborator.objects.filter(access_request=OuterRef("pk"), user=user))
    as_official = Exists(
        PortalRoleAssignment.objects.filter(
            user=user, role=PortalRole.SIGNING_OFFICIAL, institution=OuterRef("institution")
        )
    )
    routed = Q(routed_at__isnull=False)
    as_committee: Any
    if getattr(user, "is_superuser", False):
        as_committee = routed
    else:
        committees = CommitteeMembership.objects.filter(user=user).values("committee_id")
        as_committee = routed & (
            Exists(CommitteeMembership.objects.filter(user=user, committee=OuterRef("committee")))
            | Exists(
                CommitteeRoute.objects.filter(
                    access_request=OuterRef("pk"), committee_id__in=committees
                )
            )
            # An appeals committee sees the requests whose appeals it heard or hears.
            | Exists(
                Appeal.objects.filter(
                    access_request=OuterRef("pk"), hearing_committee_id__in=committees
                )
            )
        )
    return cast(
        Q,
        Q(applicant=user)
        | as_collaborator
        | (as_official & ~Q(status=workflow.Status.DRAFT))
        | as_committee,
    )


@rule("access_request.create")
def _create(user: Any, obj: Any) -> bool:
    return has_portal_role(user, PortalRole.RESEARCHER)


@rule("access_request.view")
def _view(user: Any, access_request: AccessRequest) -> bool:
    if access_request.applicant_id == user.pk:
        return True
    if (
        access_request.status != workflow.Status.DRAFT
        and access_request.institution_id in roles_of(user).official_for
    ):
        return True
    if is_committee_viewer(user, access_request):
        return True
    if _on_hearing_committee(user, access_request):
        return True
    return access_request.collaborators.filter(user=user).exists()


def _on_hearing_committee(user: Any, access_request: AccessRequest) -> bool:
    """A member of the committee that hears (or heard) the request's appeal: an appeals
    committee other than the request's own sees the request it judges."""
    mine = roles_of(user).committees
    if not mine or access_request.status not in (
        workflow.Status.REJECTED,
        workflow.Status.APPROVED,
    ):
        return False
    return Appeal.objects.filter(
        access_request_id=access_request.pk, hearing_committee_id__in=mine
    ).exists()


@rule("access_request.view_committee_notes")
def _view_notes(user: Any, access_request: AccessRequest) -> bool:
    return is_committee_viewer(user, access_request)
