"""Conflicts of interest the portal finds by itself, so that nobody has to remember to
declare them: a committee person at the applicant's institution, or named as a
collaborator on the request, takes no part in its review (the workflow's `CONFLICTED`
mark suspends their committee roles, as a declared recusal does) until a chair records a
waiver with a reason (docs/committee-review.md, "Conflicts of interest")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from access_requests.models import AccessRequest, Collaborator, ConflictWaiver
from accounts.models import User

SAME_INSTITUTION = "same_institution"
COLLABORATOR = "collaborator"

# What each conflict is called on the pages ("you are …").
DESCRIPTIONS = {
    SAME_INSTITUTION: _("at the applicant's institution"),
    COLLABORATOR: _("named as a collaborator on the request"),
}
BOTH = _("at the applicant's institution and named as a collaborator on the request")


def _request_institution_id(access_request: AccessRequest) -> int | None:
    return access_request.institution_id


def conflict_reasons(user: Any, access_request: AccessRequest) -> list[str]:
    """Why `user` has a conflict with the request, waived or not (empty: none)."""
    if user is None or not getattr(user, "pk", None):
        return []
    reasons = []
    institution_id = _request_institution_id(access_request)
    if institution_id and getattr(user, "institution_id", None) == institution_id:
        reasons.append(SAME_INSTITUTION)
    prefetched = getattr(access_request, "_prefetched_objects_cache", {}).get("collaborators")
    if prefetched is not None:
        named = any(c.user_id == user.pk for c in prefetched)
    else:
        named = Collaborator.objects.filter(
            access_request_id=access_request.pk, user_id=user.pk
        ).exists()
    if named:
        reasons.append(COLLABORATOR)
    return reasons


def is_waived(user: Any, access_request: AccessRequest) -> bool:
    return ConflictWaiver.objects.filter(
        access_request_id=access_request.pk, member_id=user.pk
    ).exists()


def unwaived_conflicts(user: Any, access_request: AccessRequest) -> list[str]:
    """The conflicts that keep `user` out of the request's review now."""
    reasons = conflict_reasons(user, access_request)
    if reasons and is_waived(user, access_request):
        return []
    return reasons


def conflicted_ids(access_request: AccessRequest, candidate_ids: Iterable[int]) -> set[int]:
    """Of `candidate_ids` (a committee's voters), those kept out by an unwaived conflict.
    Three queries however many candidates."""
    candidates = set(candidate_ids)
    if not candidates:
        return set()
    found: set[int] = set()
    institution_id = _request_institution_id(access_request)
    if institution_id:
        found |= set(
            User.objects.filter(pk__in=candidates, institution_id=institution_id).values_list(
                "pk", flat=True
            )
        )
    found |= set(
        Collaborator.objects.filter(
            access_request_id=access_request.pk, user_id__in=candidates
        ).values_list("user_id", flat=True)
    )
    if not found:
        return set()
    waived = set(
        ConflictWaiver.objects.filter(
            access_request_id=access_request.pk, member_id__in=found
        ).values_list("member_id", flat=True)
    )
    return found - waived


def unwaived_conflict_q(user: Any, request_field: str = "access_request") -> Q:
    """The same rule as a filter, for rows whose `request_field` points at a request: the
    rows of requests on which `user` has a conflict no chair waived (the members' "votes
    due" leaves them out)."""
    named = Collaborator.objects.filter(access_request=OuterRef(request_field), user=user)
    waived = ConflictWaiver.objects.filter(access_request=OuterRef(request_field), member=user)
    institution_id = getattr(user, "institution_id", None)
    same = (
        Q(**{f"{request_field}__institution_id": institution_id})
        if institution_id
        else Q(pk__in=[])
    )
    return (same | Exists(named)) & ~Exists(waived)


def describe(reasons: Iterable[str]) -> str:
    found = [r for r in reasons if r in DESCRIPTIONS]
    if len(found) > 1:
        return str(BOTH)
    return str(DESCRIPTIONS[found[0]]) if found else ""
