"""Permission rules of consent (registered with accounts.permissions)."""

from __future__ import annotations

from typing import Any

from accounts.models import Committee
from accounts.permissions import can, is_admin, rule


def _committee_of(obj: Any) -> Committee | None:
    if isinstance(obj, Committee):
        return obj
    return getattr(obj, "committee", None)


@rule("dataset.manage")
def _dataset_manage(user: Any, obj: Any) -> bool:
    """Stewards of the committee (and administrators) register and edit studies and
    datasets, record consent scopes and withdrawals. `obj` is a committee, study or
    dataset."""
    committee = _committee_of(obj)
    if committee is None:
        return False
    return is_admin(user) or can(user, "committee.steward", committee)


@rule("dataset.view_private")
def _dataset_view_private(user: Any, obj: Any) -> bool:
    """Unlisted datasets are visible to their committee's people and administrators."""
    committee = _committee_of(obj)
    if committee is None:
        return False
    return (
        is_admin(user)
        or can(user, "committee.steward", committee)
        or can(user, "committee.review", committee)
    )
