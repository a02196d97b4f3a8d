"""Who may see an access request, and which workflow roles a person holds towards one.

The same visibility is written twice: as a rule on one object (pages, services) and as a
query filter (selectors, lists); tests/access_requests/test_visibility.py checks that the
two agree for every demo user and request.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Exists, OuterRef, Q

from access_requests import workflow
from access_requests.models import AccessRequest, Collaborator
from accounts.models import CommitteeMembership, PortalRole, PortalRoleAssignment
from accounts.permissions import can, has_portal_role, is_admin, rule
from accounts.roles import roles_of

Role = workflow.Role


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
    committee = access_request.committee
    if committee is not None:
        if can(user, "committee.chair", committee):
            held.add(Role.COMMITTEE_CHAIR)
        if can(user, "committee.review", committee):
            held.add(Role.COMMITTEE_MEMBER)
        if can(user, "committee.steward", committee):
            held.add(Role.STEWARD)
    if is_admin(user):
        held.add(Role.ADMINISTRATOR)
    if has_portal_role(user, PortalRole.AUDITOR):
        held.add(Role.AUDITOR)
    return frozenset(held)


def allowed_actions_for(user: Any, access_request: AccessRequest) -> list[str]:
    return workflow.allowed_actions(access_request.status, workflow_roles(user, access_request))


def is_committee_viewer(user: Any, access_request: AccessRequest) -> bool:
    """A member, chair or steward of the committee the request was routed to."""
    if access_request.routed_at is None or access_request.committee_id is None:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return access_request.committee_id in roles_of(user).committees


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
        as_committee = routed & Exists(
            CommitteeMembership.objects.filter(user=user, committee=OuterRef("committee"))
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
    return access_request.collaborators.filter(user=user).exists()


@rule("access_request.view_committee_notes")
def _view_notes(user: Any, access_request: AccessRequest) -> bool:
    return is_committee_viewer(user, access_request)
