"""Ethics approvals (issue 18), the reading side: whether a request needs one, and which of
its approvals is current. DUO's ethics-approval modifier (IRB, DUO:0000021) on a dataset's
consent is an obligation the consent evaluation reports among its `conditions`; the
submission marks each requested dataset that carries it (RequestedDataset.
ethics_approval_required) so that the jobs and the grants can ask the database."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from access_requests import workflow
from access_requests.models import AccessRequest, EthicsApproval, RequestedDataset
from consent.selectors import current_scope_of
from consent.services import scope_data_use

ETHICS_CONDITION = "IRB"


def evaluation_asks_for_ethics(evaluation: dict[str, Any] | None) -> bool:
    """An evaluation (RequestedDataset.consent_evaluation) that names the IRB obligation."""
    return bool(evaluation) and ETHICS_CONDITION in (evaluation or {}).get("conditions", [])


def _scope_asks_for_ethics(row: RequestedDataset) -> bool:
    scope = current_scope_of(row.dataset)
    return scope is not None and ETHICS_CONDITION in scope_data_use(scope).codes


def datasets_needing_approval(access_request: AccessRequest) -> list[RequestedDataset]:
    """The request's datasets whose consent asks for ethics approval: as evaluated at
    submission, or, for a draft, as their current consent says (so the applicant knows
    before submitting)."""
    rows = access_request.requested_datasets.select_related("dataset").prefetch_related(
        "dataset__consent_scopes"
    )
    return [
        row
        for row in rows
        if row.ethics_approval_required
        or (row.consent_evaluation is None and _scope_asks_for_ethics(row))
    ]


def approvals_of(access_request: AccessRequest) -> QuerySet[EthicsApproval]:
    """The request's approvals, the one valid longest first."""
    return EthicsApproval.objects.filter(access_request=access_request).select_related(
        "document", "filed_by"
    )


def current_approval(access_request: AccessRequest, today: date) -> EthicsApproval | None:
    """The approval still valid on `today` that runs longest, if any."""
    return (
        EthicsApproval.objects.filter(access_request=access_request, expires_on__gte=today)
        .order_by("-expires_on", "-filed_at")
        .first()
    )


def valid_approval_exists(today: date, request_field: str = "pk") -> Exists:
    """A filter: the row's request (`request_field` names it) holds an approval valid on
    `today`."""
    return Exists(
        EthicsApproval.objects.filter(
            access_request_id=OuterRef(request_field), expires_on__gte=today
        )
    )


def latest_approvals() -> QuerySet[EthicsApproval]:
    """The approval of each request that runs longest (a newer one supersedes the older)."""
    longer = EthicsApproval.objects.filter(
        Q(expires_on__gt=OuterRef("expires_on"))
        | Q(expires_on=OuterRef("expires_on"), pk__gt=OuterRef("pk")),
        access_request_id=OuterRef("access_request_id"),
    )
    return EthicsApproval.objects.exclude(Exists(longer))


REMINDER_DAYS = (30, 7)
# Requests still under way or approved: an approval (or training) still matters to them.
LIVE_STATUSES = tuple(
    (workflow.OPEN_STATUSES - {workflow.Status.DRAFT}) | {workflow.Status.APPROVED}
)


def approvals_to_remind(today: date) -> QuerySet[EthicsApproval]:
    """The approvals that lapse within the first reminder's days, each the one that runs
    longest on its request, on requests still alive (under way or approved)."""
    # Exists rather than a join on the requested datasets: no duplicates to remove, and
    # the expiry window (indexed) is read first.
    needed = RequestedDataset.objects.filter(
        access_request_id=OuterRef("access_request_id"), ethics_approval_required=True
    )
    return (
        latest_approvals()
        .filter(
            Exists(needed),
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=REMINDER_DAYS[0]),
            access_request__status__in=LIVE_STATUSES,
        )
        .select_related("access_request", "access_request__applicant")
        .order_by("expires_on", "id")
    )


def reminder_step(expires_on: date, today: date) -> int:
    """Which reminder is due for an approval `approvals_to_remind` listed: 7 within a week
    of the lapse, otherwise 30."""
    return 7 if (expires_on - today).days <= 7 else 30
