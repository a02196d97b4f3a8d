"""Helpers shared by the agreements services: text checks, locking, the grant workflow check,
status changes and notification recipients."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import PortalRole, User
from agreements import workflow
from agreements.events import GrantStatusesChanged
from agreements.models import (
    CollaboratorAccess,
    CollaboratorStatus,
    Grant,
)
from agreements.rules import grant_roles
from audit.models import AuditEvent
from audit.receipts import ReceiptKind, receipt_record
from audit.services import audit_record
from dac_portal import events, request_context
from dac_portal.actions import Aggregate, Firing
from dac_portal.text import clean_text
from notifications.services import notify

A = workflow.Action
GS = workflow.Status
SYSTEM = "agreements"
REPORT_INTERVAL = timedelta(days=365)
MAX_TEXT = 10_000

DEFAULT_TEMPLATE_TITLE = "Data use agreement"
DEFAULT_TEMPLATE_BODY = """# Data use agreement for {{ reference }}

Between the **{{ committee }}** and **{{ applicant }}** of **{{ institution }}**, for the
research project "{{ title }}".

## Datasets

{{ datasets }}

## Conditions of use (from the participants' consent and the committee)

{{ conditions }}

## Collaborators covered by this agreement

{{ collaborators }}

## The researcher agrees

1. to use the data only for the research described in request {{ reference }};
2. not to attempt to re-identify any participant, nor to link the data with other data
   in order to do so;
3. not to use the data or the results in ways that stigmatise or discriminate against
   participants or their communities;
4. to keep the data under the security measures the committee requires, and to share it
   with nobody but the collaborators listed above;
5. to report yearly on progress and publications, and to acknowledge the data source;
6. to delete the data of participants who withdraw their consent, when told to;
7. to destroy all copies of the data when access ends ({{ access_days }} days after the
   grant becomes active, unless renewed), and to attest it.

Prepared on {{ date }}.
"""


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    return clean_text(value, field=field, limit=limit, required=required)


def _client_ip() -> str | None:
    return request_context.current().client_ip or None


def _lock_grant(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("dataset", "committee", "holder", "access_request")
        .get(pk=grant.pk)
    )


def _check(grant: Grant, action: str, actor: User) -> frozenset[str]:
    """Refuse unless `actor` may fire `action` on the grant now (dac_portal.state_machine)."""
    return workflow.MACHINE.check(grant.status, action, grant_roles(actor, grant))


def grant_context(grant: Grant) -> dict[str, Any]:
    return {
        "grant": grant.reference,
        "accession": grant.dataset.accession,
        "dataset_title": grant.dataset.title,
        "reference": grant.access_request.reference,
        "committee_name": grant.committee.name,
        "status": grant.get_status_display(),
        "ends_on": f"{timezone.localtime(grant.ends_at):%Y-%m-%d}" if grant.ends_at else "",
        "reason": grant.status_reason,
        "action_url": f"/grants/{grant.reference}/",
    }


def _set_status(
    grant: Grant, action: str, now: datetime, *, reason: str = "", kind: str = ""
) -> str:
    old = grant.status
    grant.status = workflow.next_status(grant.status, action)
    grant.status_changed_at = now
    if grant.status != old:
        grant.status_reason = reason
    grant.suspension_kind = kind if grant.status == GS.SUSPENDED else ""
    return old


def _advance(grant: Grant, action: str, now: datetime, outcome: str | None) -> str:
    """A grant's transitions have one target each. An action that keeps the status (a
    report, a renewal request) writes nothing of it; the handler sets the reason and the
    kind of a suspension after the move."""
    old = grant.status
    if workflow.next_status(old, action) == old:
        return old
    return _set_status(grant, action, now, reason=grant.status_reason, kind=grant.suspension_kind)


def _announce_status_change(firing: Firing[Grant]) -> None:
    grant = firing.obj
    if grant.status != firing.old_status:
        events.publish(GrantStatusesChanged(((grant.pk, firing.old_status, grant.status),)))


# How an action is fired on a grant (dac_portal/actions.py): lock, check the grant table
# for the actor's roles, let the handler work, move the status, save, audit, announce.
GRANTS: Aggregate[Grant] = Aggregate(
    machine=workflow.MACHINE,
    lock=_lock_grant,
    roles=grant_roles,
    advance=_advance,
    record=audit_record,
    after=_announce_status_change,
)


def _chairs(committee_id: int) -> list[User]:
    return list(
        User.objects.filter(
            committee_memberships__committee_id=committee_id,
            committee_memberships__role="chair",
            is_active=True,
        ).distinct()
    )


def _officials(institution_id: int | None) -> list[User]:
    if not institution_id:
        return []
    return list(
        User.objects.filter(
            portal_roles__role=PortalRole.SIGNING_OFFICIAL,
            portal_roles__institution_id=institution_id,
            is_active=True,
        ).distinct()
    )


def _first_report_due(starts_at: datetime, ends_at: datetime) -> Any:
    due = starts_at + REPORT_INTERVAL
    return timezone.localtime(due).date() if due < ends_at else None


def grant_step_as_system(
    grant: Grant,
    action: str,
    audit_action: str,
    *,
    reason: str,
    actor: User | None = None,
    system: str = SYSTEM,
    kind: str = "",
    **data: Any,
) -> Grant:
    """A status change the portal makes itself (a job, a sanction, the step after a
    report or the last attestation), fired through the grant table as the system role
    and audited with `reason`, which the holder sees on the grant. `actor` is the person
    whose act set it off, if any. Returns the saved grant."""
    with GRANTS.fire(grant, action, actor, audit_action, system=system, as_system=True) as firing:
        firing.advance()
        firing.obj.status_reason = reason
        if kind:
            firing.obj.suspension_kind = kind
        firing.data.update(reason=reason, **data)
    if action == A.REVOKE:
        revocation_receipt(firing.obj, firing.event)
    return firing.obj


def revocation_receipt(grant: Grant, revocation: AuditEvent) -> AuditEvent:
    """Every revocation, the committee's or the portal's (a lapsed approval, a sanction),
    gives the holder a receipt they can check against the transparency log."""
    return receipt_record(
        kind=ReceiptKind.GRANT_REVOCATION,
        reference=grant.access_request.reference,
        outcome={"grant": grant.reference, "dataset": grant.dataset.accession},
        decision=revocation,
    )


def tell_grant_people(
    kind: str,
    grant: Grant,
    dedupe_key: str,
    context: dict[str, Any],
    actor: User | None,
    *,
    receipt_seq: int | None = None,
) -> int:
    """Tell the holder and each collaborator who signed (close-out, withdrawal and status
    notices reach everyone who may hold a copy of the data). Returns how many were queued.
    A receipt (`receipt_seq`) goes to the holder, the person the decision was about."""
    told = 0
    if notify(kind, grant.holder, dedupe_key, context, actor, receipt_seq=receipt_seq):
        told += 1
    signed = CollaboratorAccess.objects.filter(
        access_request_id=grant.access_request_id, status=CollaboratorStatus.SIGNED
    ).select_related("user")
    for access in signed.order_by("id"):
        if access.user is None:
            continue
        collaborator_context = {**context, "as_collaborator": True}
        key = f"{dedupe_key}:c{access.user_id}"
        if notify(kind, access.user, key, collaborator_context, actor):
            told += 1
    return told
