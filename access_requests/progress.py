"""Where a request stands, in words a researcher follows (issue 14): the outcome of a
decision — *Partly approved* when some datasets were approved and others rejected — and
the progress as steps (submitted → endorsed → under review → decided → agreement → active
grant) shown above the request's timeline and returned by the API as `progress`.

The last two steps belong to agreements, an app above this one: it registers a function
that says how far the request's agreement and grants have come (from its
`subscribers.py`), the way `standing.py` asks about sanctions, so the import still
points down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access_requests import workflow
from dac_portal import events

S = workflow.Status
APPROVED, REJECTED = "approved", "rejected"
PARTLY_APPROVED = "partly_approved"

OUTCOME_LABELS: dict[str, str | Promise] = {
    APPROVED: _("Approved"),
    PARTLY_APPROVED: _("Partly approved"),
    REJECTED: _("Rejected"),
}


def outcome(status: str, decisions: Iterable[str | None]) -> str | None:
    """`approved`, `partly_approved` or `rejected` once the committees have decided (and
    after, while the grants run and when the request is closed); None before."""
    decided = [d for d in decisions if d]
    if status == S.REJECTED:
        return REJECTED
    if status not in (S.APPROVED, S.CLOSED) or not decided:
        return None
    return PARTLY_APPROVED if REJECTED in decided else APPROVED


def outcome_of(access_request: Any) -> str | None:
    """The outcome from the request's dataset rows (a prefetch of `requested_datasets`
    is read when there is one)."""
    return outcome(
        access_request.status,
        (row.decision for row in access_request.requested_datasets.all()),
    )


@dataclass(frozen=True)
class Step:
    key: str
    label: str | Promise
    # done, current, todo, or skipped (no endorsement asked; nothing approved to sign)
    state: str

    def as_dict(self) -> dict[str, str]:
        return {"step": self.key, "title": str(self.label), "state": self.state}


# After the decision: ("agreement", state), ("grant", state) from the agreements app.
AfterDecision = Callable[[Any], tuple[str, str]]
_after_decision: list[AfterDecision] = []


def register_after_decision(func: AfterDecision) -> AfterDecision:
    if func not in _after_decision:
        _after_decision.append(func)
    return func


def _agreement_and_grant(access_request: Any) -> tuple[str, str]:
    events.discover()
    if not _after_decision:
        return ("todo", "todo")
    return _after_decision[0](access_request)


def steps(access_request: Any) -> list[Step]:
    status = access_request.status
    if status in (S.NEW, S.DRAFT):
        return []
    ended_early = status == S.WITHDRAWN
    submitted = "done"
    endorsed = (
        "done"
        if access_request.endorsed_at
        else "skipped"
        if access_request.routed_at
        else "current"
        if status == S.SUBMITTED
        else "todo"
    )
    reviewing = status in (S.UNDER_REVIEW, S.CHANGES_REQUESTED)
    result = outcome_of(access_request)
    review = "done" if result else "current" if reviewing else "todo"
    decided = "done" if result else "todo"
    if result in (APPROVED, PARTLY_APPROVED):
        agreement, grant = _agreement_and_grant(access_request)
    else:
        agreement = grant = "skipped" if result == REJECTED or ended_early else "todo"
    result_steps = [
        Step("submitted", _("Submitted"), submitted),
        Step("endorsed", _("Endorsed by the institution"), endorsed),
        Step("under_review", _("Under review"), review),
        Step("decided", OUTCOME_LABELS.get(result or "", _("Decided")), decided),
        Step("agreement", _("Agreement signed"), agreement),
        Step("grant", _("Access granted"), grant),
    ]
    if ended_early:  # withdrawn: what had not happened never will
        return [
            step if step.state == "done" else Step(step.key, step.label, "skipped")
            for step in result_steps
        ]
    return result_steps
