"""A committee's policy for the decisions that follow the first one (issue 18): whether
members vote on renewals, how long a rejected applicant has to appeal, and who hears the
appeal. The chair sets it on the members page; the renewal and appeal services read it."""

from __future__ import annotations

from typing import Any

from accounts.membership import committee_settings_save, require_chair
from accounts.models import Committee, User
from dac_portal.errors import ValidationError

APPEAL_WINDOW_LIMITS = (1, 365)


def _appeals_committee(value: Any, committee: Committee) -> Committee | None:
    """None (this committee hears its own appeals) or another committee, by slug."""
    if value in (None, ""):
        return None
    if isinstance(value, Committee):
        value = value.slug
    other = Committee.objects.filter(slug=str(value)).first() if isinstance(value, str) else None
    if other is None or other.pk == committee.pk:
        raise ValidationError(
            "Name another committee, or none.",
            details={"appeals_committee": ["Another committee's slug, or empty."]},
        )
    return other


def _window(value: Any) -> int:
    low, high = APPEAL_WINDOW_LIMITS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"Between {low} and {high} days.",
            details={"appeal_window_days": [f"{low} to {high}."]},
        )
    return value


def committee_decision_policy_set(
    *,
    committee: Committee,
    renewals_by_committee: Any,
    appeal_window_days: Any,
    appeals_committee: Any,
    actor: User,
) -> Committee:
    """A chair sets the three together; one `committee.updated` event names what changed
    (none when nothing did: accounts.membership.committee_settings_save)."""
    require_chair(actor, committee, "set its decision policy")
    if not isinstance(renewals_by_committee, bool):
        raise ValidationError("Yes or no.", details={"renewals_by_committee": ["A boolean."]})
    values = {
        "renewals_by_committee": renewals_by_committee,
        "appeal_window_days": _window(appeal_window_days),
        "appeals_committee": _appeals_committee(appeals_committee, committee),
    }
    return committee_settings_save(committee=committee, values=values, actor=actor)
