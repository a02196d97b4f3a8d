"""Appeals, the writing side (issue 18): the applicant appeals a rejection, the panel votes
on it, and a panel member records the panel's decision with reasons. Each is one
transaction through REQUESTS.fire (the request row locked, the workflow asked, the audit
event written in the same transaction); the reading side is access_requests.appeal_panel.

Overturned, every rejected dataset the participants' consent allows for the purpose is
approved with the appeal's reasons and the request becomes `approved`: its grants are
prepared in the same transaction, as after a first decision. A dataset the consent does
not allow stays rejected: an appeal cannot approve use beyond consent either.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import appeal_panel as panel
from access_requests import workflow
from access_requests.audit_actions import RequestAudit
from access_requests.events import DatasetsApproved
from access_requests.models import (
    AccessRequest,
    Appeal,
    AppealStatus,
    AppealVote,
    AppealVoteChoice,
    Decision,
    RequestedDataset,
)
from access_requests.services import REQUESTS, _check, _notification_context
from accounts.models import User
from audit.models import AuditEvent
from audit.receipts import ReceiptKind, receipt_record
from consent.reconsent import refuse_if_reconsent_pending
from consent.services import consent_evaluate_dataset, purpose_parse
from dac_portal import events
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from dac_portal.text import clean_text
from dac_portal.votes import vote_cast_or_change
from notifications.services import notify

A = workflow.Action
STATEMENT_LIMIT = 5000
OUTCOMES = (panel.UPHELD, panel.OVERTURNED)


def _require_pending(access_request: AccessRequest, actor: User) -> Appeal:
    """The pending appeal, or a clear refusal: 409 when none is being heard, 403 (with its
    own code) for someone who took part in the decision appealed."""
    appeal = panel.pending_appeal(access_request)
    if appeal is None:
        raise Conflict("No appeal of this request is being heard.", code="no_pending_appeal")
    if actor.pk in appeal.took_part:
        raise PermissionDenied(
            "You voted on or decided this request: you take no part in its appeal.",
            code="took_part_in_decision",
        )
    return appeal


def require_may(access_request: AccessRequest, actor: Any, action: str) -> None:
    """Refuse at once (403/409, as the service would) someone who may not fire `action`,
    before a page or the API reads their input: a refused person hears why they are
    refused, not what was wrong with a form they may not send."""
    if action != A.APPEAL:
        _require_pending(access_request, actor)
    _check(access_request, action, actor)


@workflow.MACHINE.handles(A.APPEAL)
def appeal_file(*, access_request: AccessRequest, statement: Any, actor: User) -> Appeal:
    """The applicant appeals the rejection, once, within the committee's window."""
    statement = clean_text(statement, field="statement", limit=STATEMENT_LIMIT)
    with REQUESTS.fire(
        access_request, A.APPEAL, actor, RequestAudit.ACCESS_REQUEST_APPEALED
    ) as firing:
        access_request = firing.obj
        if Appeal.objects.filter(access_request=access_request).exists():
            raise Conflict("This rejection has already been appealed.", code="already_appealed")
        closes_on = panel.appeal_closes_on(access_request)
        if closes_on is None or timezone.localdate(firing.now) > closes_on:
            raise Conflict(
                "The time to appeal this rejection has passed.",
                code="appeal_window_closed",
                details={"closed_on": closes_on.isoformat() if closes_on else None},
            )
        hearing = panel.hearing_committee_of(access_request)
        assert hearing is not None  # a rejected request was decided by its committee
        appeal = Appeal.objects.create(
            access_request=access_request,
            hearing_committee=hearing,
            statement=statement,
            took_part=sorted(panel.took_part_ids(access_request)),
            filed_by=actor,
            filed_at=firing.now,
        )
        members = panel.panel_ids(appeal)
        firing.data.update(
            appeal=str(appeal.public_id),
            hearing_committee=hearing.slug,
            panel=len(members),
            statement=statement,
        )
        context = {**_notification_context(access_request), "statement": statement}
        context["action_url"] += "appeal/"
        for member in User.objects.filter(pk__in=members).order_by("pk"):
            notify(
                "access_request_appealed",
                member,
                f"access_request.appealed:{appeal.public_id}:{member.pk}",
                context,
                actor,
            )
    return appeal


@workflow.MACHINE.handles(A.VOTE_APPEAL)
def appeal_vote(
    *, access_request: AccessRequest, vote: Any, rationale: Any, actor: User
) -> AppealVote:
    """A panel member votes to uphold or overturn, or abstains; changeable until the
    decision. Audited as committee-only, like the first review's votes."""
    if vote not in AppealVoteChoice.values:
        raise ValidationError(
            "Vote uphold, overturn or abstain.",
            details={"vote": [f"One of {AppealVoteChoice.values}."]},
        )
    rationale = clean_text(rationale, field="rationale", limit=STATEMENT_LIMIT)
    _require_pending(access_request, actor)
    with REQUESTS.fire(
        access_request, A.VOTE_APPEAL, actor, RequestAudit.APPEAL_VOTE_CAST
    ) as firing:
        appeal = _require_pending(firing.obj, actor)
        cast, created = vote_cast_or_change(
            AppealVote, appeal=appeal, voter=actor, now=firing.now, vote=vote, rationale=rationale
        )
        firing.data.update(
            committee_only=True,
            appeal=str(appeal.public_id),
            vote=vote,
            changed=not created,
            rationale=rationale,
        )
    return cast


def _approvable_rows(access_request: AccessRequest) -> dict[str, Any]:
    """The rejected datasets an overturning may approve (consent allows the purpose now, as
    when it was decided), each with the scope version it was checked against."""
    purpose = purpose_parse(access_request.purpose)
    found: dict[str, Any] = {}
    for row in RequestedDataset.objects.filter(
        access_request=access_request, decision=Decision.REJECTED
    ).select_related("dataset"):
        evaluation = consent_evaluate_dataset(dataset=row.dataset, purpose=purpose)
        if "incompatible" not in (row.consent_result, evaluation.result):
            found[row.dataset.accession] = (row, evaluation.scope_version)
    if not found:
        raise Conflict(
            "The participants' consent does not allow this purpose for any dataset of the "
            "request: the rejection cannot be overturned.",
            code="consent_incompatible",
        )
    refuse_if_reconsent_pending(row.dataset for row, _version in found.values())
    return found


def _approve_on_appeal(access_request: AccessRequest, reason: str, now: Any) -> list[str]:
    rows = _approvable_rows(access_request)
    for row, version in rows.values():
        row.decision = Decision.APPROVED
        row.decision_reason = reason
        row.decision_conditions = []
        row.decision_scope_version = version
        row.decided_at = now
    RequestedDataset.objects.bulk_update(
        [row for row, _version in rows.values()],
        [
            "decision",
            "decision_reason",
            "decision_conditions",
            "decision_scope_version",
            "decided_at",
        ],
    )
    return sorted(rows)


def _check_outcome(outcome: Any, reason: Any) -> str:
    if outcome not in OUTCOMES:
        raise ValidationError(
            "The outcome is 'upheld' or 'overturned'.",
            details={"outcome": [f"One of {list(OUTCOMES)}."]},
        )
    return clean_text(
        reason,
        field="reason",
        limit=STATEMENT_LIMIT,
        missing="Give the panel's reasons: the applicant reads them.",
    )


def _record_appeal_decision(
    access_request: AccessRequest, outcome: str, reason: str, actor: User
) -> tuple[Appeal, list[str], AuditEvent]:
    with REQUESTS.fire(
        access_request, A.DECIDE_APPEAL, actor, RequestAudit.APPEAL_DECIDED
    ) as firing:
        access_request = firing.obj
        appeal = Appeal.objects.select_for_update().get(
            pk=_require_pending(access_request, actor).pk
        )
        appeal.access_request = access_request
        tally = panel.appeal_tally(appeal)
        if not tally.quorum_met:
            raise Conflict(
                f"The panel's quorum is not reached: {tally.voted} of {tally.quorum} votes.",
                code="quorum_not_met",
                details={"tally": tally.as_dict()},
            )
        if outcome != tally.outcome:
            raise Conflict(
                "The decision does not follow the panel's votes.",
                code="decision_against_votes",
                details={"tally": tally.as_dict()},
            )
        approved: list[str] = []
        if outcome == panel.OVERTURNED:
            approved = _approve_on_appeal(access_request, reason, firing.now)
            firing.advance(workflow.Status.APPROVED)
            access_request.decided_at = firing.now
        else:
            firing.advance(workflow.Status.REJECTED)
        appeal.status = AppealStatus(outcome)
        appeal.decided_by = actor
        appeal.decided_at = firing.now
        appeal.reason = reason
        appeal.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        firing.data.update(
            appeal=str(appeal.public_id), outcome=outcome, reason=reason, tally=tally.as_dict()
        )
        if approved:
            firing.data["approved"] = approved
    return appeal, approved, firing.event


@workflow.MACHINE.handles(A.DECIDE_APPEAL)
def appeal_decide(
    *, access_request: AccessRequest, outcome: Any, reason: Any, actor: User
) -> Appeal:
    """A panel member records the panel's decision, with reasons, once the panel's quorum
    has voted; it must follow the votes (more overturn than uphold to overturn)."""
    reason = _check_outcome(outcome, reason)
    _require_pending(access_request, actor)
    # One transaction around the decision and what follows it (the grants prepared, the
    # applicant told): a decision whose grants cannot be prepared does not stand.
    with transaction.atomic():
        appeal, approved, decision = _record_appeal_decision(access_request, outcome, reason, actor)
        receipt = receipt_record(
            kind=ReceiptKind.APPEAL_DECISION,
            reference=appeal.access_request.reference,
            outcome={
                "status": str(appeal.access_request.status),
                "appeal": outcome,
                "datasets_approved": approved,
            },
            decision=decision,
        )
        if approved:
            events.publish(DatasetsApproved(access_request=appeal.access_request, actor=actor))
        notify(
            "access_request_appeal_decided",
            appeal.access_request.applicant,
            f"access_request.appeal_decided:{appeal.public_id}",
            {
                **_notification_context(appeal.access_request),
                "outcome": outcome,
                "reason": reason,
            },
            actor,
            receipt_seq=receipt.seq,
        )
    return appeal
