"""Who may see a grant or an agreement, and which workflow roles a person holds towards a
grant. As in access_requests.rules, visibility is written once for one object (rules) and
once as a query filter (`grant_visible_q`); a test checks that the two agree."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from access_requests import conflicts
from accounts.models import PortalRole, PortalRoleAssignment
from accounts.permissions import can, is_admin, rule
from accounts.roles import roles_of
from accounts.selectors import committee_voters
from agreements import collaborator_workflow, workflow
from agreements.models import CollaboratorAccess

Role = workflow.Role


def grant_roles(user: Any, grant: Any) -> frozenset[str]:
    """The roles of agreements.workflow.PERMISSIONS that `user` holds towards `grant`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    held: set[str] = set()
    if grant.holder_id == user.pk:
        held.add(Role.HOLDER)
    institution_id = grant.access_request.institution_id
    if institution_id and institution_id in roles_of(user).official_for:
        held.add(Role.SIGNING_OFFICIAL)
    if can(user, "committee.chair", grant.committee):
        held.add(Role.COMMITTEE_CHAIR)
    if _votes_on_renewals(user, grant):
        held.add(Role.COMMITTEE_MEMBER)
    if can(user, "committee.steward", grant.committee):
        held.add(Role.STEWARD)
    return frozenset(held)


def _votes_on_renewals(user: Any, grant: Any) -> bool:
    """A voting member of the grant's committee, unless the portal finds them in conflict
    with the request (the holder's institution, or a collaborator on it): they would be
    judging their own access."""
    if grant.committee_id not in roles_of(user).committees:
        return False
    if user.pk not in committee_voters(grant.committee_id):
        return False
    return not conflicts.unwaived_conflicts(user, grant.access_request)


def _current_collaborations(user: Any) -> Any:
    """A collaborator sees the request's grants while invited or signed, not once removed
    or gone."""
    return CollaboratorAccess.objects.filter(
        user=user, status__in=collaborator_workflow.CURRENT_STATUSES
    )


def grant_visible_q(user: Any, prefix: str = "") -> Q:
    """The grants `user` may see: their own, those covering them as a collaborator, those
    of their institution (signing officials), those of their committees, or all (admins)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if is_admin(user):
        return Q()
    as_collaborator = Exists(
        _current_collaborations(user).filter(access_request=OuterRef(f"{prefix}access_request"))
    )
    as_official = Exists(
        PortalRoleAssignment.objects.filter(
            user=user,
            role=PortalRole.SIGNING_OFFICIAL,
            institution=OuterRef(f"{prefix}access_request__institution"),
        )
    )
    committees = list(roles_of(user).committees)
    return (
        Q(**{f"{prefix}holder": user})
        | as_collaborator
        | as_official
        | Q(**{f"{prefix}committee_id__in": committees})
    )


@rule("grant.view")
def _grant_view(user: Any, grant: Any) -> bool:
    if is_admin(user) or grant.holder_id == user.pk:
        return True
    roles = roles_of(user)
    if grant.committee_id in roles.committees:
        return True
    if grant.access_request.institution_id in roles.official_for:
        return True
    return _current_collaborations(user).filter(access_request_id=grant.access_request_id).exists()


def collaborator_roles(user: Any, access: Any) -> frozenset[str]:
    """The roles of agreements.collaborator_workflow that `user` holds towards one
    collaborator's access. An invitee is someone signed in with the invited address while
    nobody has claimed it; the invitation's token is checked by the service."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    CR = collaborator_workflow.Role
    held: set[str] = set()
    if access.access_request.applicant_id == user.pk:
        held.add(CR.APPLICANT)
    if access.user_id is not None and access.user_id == user.pk:
        held.add(CR.COLLABORATOR)
    if (
        access.user_id is None
        and access.email
        and (user.email or "").strip().lower() == access.email.lower()
    ):
        held.add(CR.INVITEE)
    return frozenset(held)


@rule("collaborator.view")
def _collaborator_view(user: Any, access: Any) -> bool:
    """The collaborator, and whoever may see the request (its applicant, its committee,
    the institution's signing officials, administrators)."""
    if access.user_id is not None and access.user_id == user.pk:
        return True
    return can(user, "access_request.view", access.access_request)


@rule("grant.oversee")
def _grant_oversee(user: Any, grant: Any) -> bool:
    """Suspend, revoke or reinstate: the chair or a steward of the dataset's committee."""
    return can(user, "committee.chair", grant.committee) or can(
        user, "committee.steward", grant.committee
    )


@rule("sanction.manage")
def _sanction_manage(user: Any, obj: Any) -> bool:
    """Administrators and committee chairs impose and lift sanctions."""
    if is_admin(user):
        return True
    return any("chair" in held for held in roles_of(user).committees.values())


@rule("entitlements.read")
def _entitlements_read(user: Any, obj: Any) -> bool:
    """Data hosts (service accounts) and administrators."""
    return bool(getattr(user, "is_service_account", False)) or is_admin(user)


@rule("agreement_template.manage")
def _template_manage(user: Any, committee: Any) -> bool:
    return can(user, "committee.steward", committee) or can(user, "committee.chair", committee)
