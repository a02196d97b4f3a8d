"""Renewal: the holder asks for more time and the committee decides. Where the committee's
policy asks (Committee.renewals_by_committee, kept on the renewal as `by_committee`), its
voting members vote first and the chair's decision must meet the committee's quorum and
follow its voting rule, as in a short review; otherwise the chair decides alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from access_requests import conflicts
from accounts.models import User
from accounts.selectors import committee_voters
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Grant,
    Renewal,
    RenewalVote,
)
from agreements.selectors import renewal_tally
from agreements.services._common import (
    GRANTS,
    REPORT_INTERVAL,
    A,
    _chairs,
    _text,
    grant_context,
)
from dac_portal.errors import Conflict, ValidationError
from dac_portal.votes import vote_cast_or_change
from notifications.services import notify


@workflow.MACHINE.handles(A.REQUEST_RENEWAL)
def grant_renewal_request(*, grant: Grant, actor: User, justification: Any) -> Renewal:
    """The holder asks the committee to extend an active grant. The committee's policy of
    the day is kept on the renewal, so a later change does not alter one already waiting."""
    justification = _text(justification, "justification")
    with GRANTS.fire(
        grant, A.REQUEST_RENEWAL, actor, AgreementAudit.GRANT_RENEWAL_REQUESTED
    ) as firing:
        grant = firing.obj
        if Renewal.objects.filter(grant=grant, status=Renewal.Status.PENDING).exists():
            raise Conflict("A renewal of this grant is already waiting.", code="renewal_pending")
        by_committee = grant.committee.renewals_by_committee
        renewal = Renewal.objects.create(
            grant=grant, justification=justification, requested_by=actor, by_committee=by_committee
        )
        firing.data.update(
            renewal=str(renewal.public_id), justification=justification, by_committee=by_committee
        )
        _tell_of_renewal(grant, renewal, actor)
    return renewal


def _tell_of_renewal(grant: Grant, renewal: Renewal, actor: User) -> None:
    """The chairs decide, so they are told; where the committee votes, each of its other
    voting members is asked for a vote, except those the portal keeps out of this request
    (a conflict of interest: they could not vote)."""
    context = {
        **grant_context(grant),
        "justification": renewal.justification,
        "by_committee": renewal.by_committee,
    }
    chairs = _chairs(grant.committee_id)
    for chair in chairs:
        notify(
            "grant_renewal_requested",
            chair,
            f"grant.renewal_requested:{renewal.public_id}:{chair.pk}",
            context,
            actor,
        )
    if not renewal.by_committee:
        return
    voter_ids = set(committee_voters(grant.committee_id)) - {chair.pk for chair in chairs}
    voter_ids -= conflicts.conflicted_ids(grant.access_request, voter_ids)
    for voter in User.objects.filter(pk__in=voter_ids).order_by("pk"):
        notify(
            "grant_renewal_vote_requested",
            voter,
            f"grant.renewal_vote_requested:{renewal.public_id}:{voter.pk}",
            context,
            actor,
        )


def _waiting(grant: Grant) -> Renewal:
    renewal = (
        Renewal.objects.select_for_update()
        .filter(grant=grant, status=Renewal.Status.PENDING)
        .first()
    )
    if renewal is None:
        raise Conflict("No renewal of this grant is waiting.", code="no_pending_renewal")
    return renewal


@workflow.MACHINE.handles(A.VOTE_RENEWAL)
def grant_renewal_vote(*, grant: Grant, actor: User, vote: Any, rationale: Any) -> RenewalVote:
    """A voting member of the committee votes on the waiting renewal (approve, reject or
    abstain, with reasons); changeable until the decision."""
    if vote not in RenewalVote.Choice.values:
        raise ValidationError(
            "Vote approve, reject or abstain.",
            details={"vote": [f"One of {RenewalVote.Choice.values}."]},
        )
    rationale = _text(rationale, "rationale", limit=2000)
    with GRANTS.fire(grant, A.VOTE_RENEWAL, actor, AgreementAudit.GRANT_RENEWAL_VOTED) as firing:
        renewal = _waiting(firing.obj)
        if not renewal.by_committee:
            raise Conflict(
                "The chair decides this renewal: the committee does not vote on it.",
                code="renewal_not_by_committee",
            )
        cast, created = vote_cast_or_change(
            RenewalVote,
            renewal=renewal,
            voter=actor,
            now=firing.now,
            vote=vote,
            rationale=rationale,
        )
        # Committee-only, as a request's votes: the holder's timeline leaves it out.
        firing.data.update(
            committee_only=True,
            renewal=str(renewal.public_id),
            vote=vote,
            changed=not created,
            rationale=rationale,
        )
    return cast


def _refuse_against_the_committee(renewal: Renewal, decision: str) -> None:
    """A renewal the committee votes on: the chair decides once its quorum has voted, and
    as its voting rule allows (409 with the tally otherwise)."""
    if not renewal.by_committee:
        return
    tally = renewal_tally(renewal)
    if not tally.quorum_met:
        raise Conflict(
            f"The committee's quorum is not reached: {tally.voted} of {tally.quorum} votes.",
            code="quorum_not_met",
            details={"tally": tally.as_dict()},
        )
    if decision not in tally.allowed:
        raise Conflict(
            "The decision does not follow the committee's voting rule.",
            code="decision_against_votes",
            details={"tally": tally.as_dict()},
        )


@workflow.MACHINE.handles(A.RENEW)
def grant_renewal_decide(*, grant: Grant, actor: User, decision: Any, reason: Any = "") -> Renewal:
    """The chair approves (the grant's end moves by the committee's access period) or
    rejects (reason required) the waiting renewal."""
    if decision not in {"approved", "rejected"}:
        raise ValidationError(
            "The decision is 'approved' or 'rejected'.", details={"decision": ["Invalid choice."]}
        )
    reason = _text(reason, "reason", required=decision == "rejected", limit=2000)
    with GRANTS.fire(grant, A.RENEW, actor, AgreementAudit.GRANT_RENEWED) as firing:
        grant = firing.obj
        renewal = _waiting(grant)
        _refuse_against_the_committee(renewal, decision)
        now = firing.now
        renewal.status = decision
        renewal.decided_by = actor
        renewal.decided_at = now
        renewal.reason = reason
        if decision == "approved":
            assert grant.ends_at is not None and grant.starts_at is not None
            old_end = grant.ends_at
            grant.ends_at = old_end + timedelta(days=grant.committee.default_access_days)
            if grant.next_report_due_on is None:
                grant.next_report_due_on = _next_due_after(grant, old_end)
            grant.status_changed_at = now
            renewal.extended_to = grant.ends_at
            firing.data.update(
                renewal=str(renewal.public_id),
                old_ends_at=old_end.isoformat(),
                new_ends_at=grant.ends_at.isoformat(),
                reason=reason,
            )
        else:
            firing.audit_action = AgreementAudit.GRANT_RENEWAL_REJECTED
            firing.data.update(renewal=str(renewal.public_id), reason=reason)
        renewal.save()
        notify(
            "grant_renewal_decided",
            grant.holder,
            f"grant.renewal_decided:{renewal.public_id}",
            {**grant_context(grant), "decision": decision, "reason": reason},
            actor,
        )
    return renewal


def _next_due_after(grant: Grant, after: datetime) -> Any:
    """The first yearly report date after `after` that falls before the grant's end."""
    assert grant.starts_at is not None and grant.ends_at is not None
    due = grant.starts_at + REPORT_INTERVAL
    while due <= after:
        due += REPORT_INTERVAL
    return timezone.localtime(due).date() if due < grant.ends_at else None
