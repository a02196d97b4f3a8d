"""What the agreements app does for the apps below it: the events it hears
(dac_portal/events.py) and the questions it answers (access_requests.standing)."""

from __future__ import annotations

from typing import Any

from access_requests import progress, standing
from access_requests.events import DatasetsApproved, EthicsApprovalFiled
from agreements import workflow
from agreements.ethics_lapse import grants_reinstate_after_ethics
from agreements.models import Agreement, Grant
from agreements.selectors import active_sanction_for, sanction_refusal
from agreements.services import consent_withdrawal_propagate, grants_prepare_for_approval
from consent import holders
from consent.events import ConsentWithdrawn
from consent.models import ConsentWithdrawal
from dac_portal.events import Delivery, subscribe


@subscribe(DatasetsApproved)
def prepare_the_grants(event: DatasetsApproved) -> None:
    """The pending grants and the agreement, in the decision's own transaction: a decision
    whose grants cannot be prepared does not stand."""
    grants_prepare_for_approval(access_request=event.access_request, actor=event.actor)


@subscribe(EthicsApprovalFiled)
def reinstate_the_grants(event: EthicsApprovalFiled) -> None:
    """Grants suspended for a lapsed ethics approval come back with a valid one, in the
    filing's transaction."""
    grants_reinstate_after_ethics(access_request=event.access_request, actor=event.actor)


@subscribe(ConsentWithdrawn, delivery=Delivery.ON_COMMIT)
def tell_holders_of_the_withdrawal(event: ConsentWithdrawn) -> None:
    """Holders of the dataset hear of a withdrawal as soon as it is recorded. Should this
    fail (the mail outbox is always reachable, but the database may not be), the hourly
    `agreements.consent_withdrawals` job propagates every withdrawal not yet propagated."""
    withdrawal = ConsentWithdrawal.objects.get(pk=event.withdrawal_id)
    consent_withdrawal_propagate(withdrawal=withdrawal)


@standing.register
def sanctions_restrict_submissions(applicant: Any) -> standing.Restriction | None:
    """An active sanction on the applicant, or on their institution, blocks submissions."""
    sanction = active_sanction_for(user=applicant)
    if sanction is None:
        return None
    return standing.Restriction(reason=sanction.reason, message=sanction_refusal(sanction))


@progress.register_after_decision
def agreement_and_grant_steps(access_request: Any) -> tuple[str, str]:
    """How far an approved request's agreement and grants have come, for its progress
    steps: (agreement, grant), each done, current, todo or skipped (the offer lapsed)."""
    agreement = Agreement.objects.filter(access_request_id=access_request.pk).first()
    statuses = set(
        Grant.objects.filter(access_request_id=access_request.pk).values_list("status", flat=True)
    )
    if agreement is None:
        return ("current", "todo")
    if not agreement.is_complete:
        if statuses and not statuses & set(workflow.LIVE_STATUSES):
            return ("skipped", "skipped")  # the offer lapsed unsigned
        return ("current", "todo")
    if workflow.Status.ACTIVE in statuses or workflow.Status.SUSPENDED in statuses:
        return ("done", "current" if workflow.Status.SUSPENDED in statuses else "done")
    return ("done", "done")


@holders.register
def grant_holders_of(dataset: Any) -> int:
    """People with an active or suspended grant on the dataset: those a withdrawal tells."""
    return (
        Grant.objects.filter(dataset=dataset, status__in=workflow.HOLDING_STATUSES)
        .values("holder")
        .distinct()
        .count()
    )
