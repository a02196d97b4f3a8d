"""State changes of agreements, grants, renewals, progress reports, close-outs, sanctions
and consent-withdrawal notices.

One function per change, keyword-only, in one transaction: lock the row, ask the grant
workflow table (agreements.workflow) whether the caller may do it now (403 when none of
their roles ever could, 409 with the allowed actions when the status forbids), change the
rows, write the audit event, queue the notifications (sent after the commit). Only these
functions assign a grant's `status`. The periodic jobs' set-based functions live in
agreements.jobs and call the helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import workflow as request_workflow
from access_requests.models import AccessRequest, Collaborator, CommitteeRoute, RequestedDataset
from accounts.models import Institution, PortalRole, User
from accounts.permissions import require
from agreements import rendering, workflow
from agreements.models import (
    Agreement,
    AgreementPolicy,
    AgreementTemplate,
    CloseOut,
    Grant,
    ProgressReport,
    Renewal,
    Sanction,
    SuspensionKind,
    WithdrawalNotice,
)
from agreements.rules import grant_roles
from agreements.selectors import active_sanctions_q, current_template, policy_for
from audit.actions import AuditAction
from audit.services import audit_record
from consent.models import ConsentWithdrawal
from dac_portal import request_context
from dac_portal.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from notifications.services import notification_enqueue

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

## Conditions set by the committee

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


# -- helpers -------------------------------------------------------------------------------


def _text(value: Any, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("Invalid input.", details={field: ["Must be text."]})
    value = value.strip()
    if required and not value:
        raise ValidationError(
            f"The {field.replace('_', ' ')} is required.", details={field: ["Required."]}
        )
    if len(value) > limit:
        raise ValidationError("Invalid input.", details={field: [f"At most {limit} characters."]})
    return value


def _notify(
    kind: str, recipient: User, dedupe_key: str, context: dict[str, Any], actor: Any
) -> Any:
    if not recipient.is_active:
        return None
    return notification_enqueue(
        kind=kind, recipient=recipient, dedupe_key=dedupe_key[:255], context=context, actor=actor
    )


def _client_ip() -> str | None:
    return request_context.current().client_ip or None


def _lock_grant(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("dataset", "committee", "holder", "access_request")
        .get(pk=grant.pk)
    )


def _check(grant: Grant, action: str, actor: User) -> frozenset[str]:
    roles = grant_roles(actor, grant)
    if workflow.may(grant.status, action, roles):
        return roles
    if not workflow.could_ever(action, roles):
        raise PermissionDenied("You may not do this to this grant.", details={"action": action})
    raise InvalidTransition(
        status=grant.status,
        action=action,
        allowed_actions=workflow.allowed_actions(grant.status, roles),
    )


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


# -- templates and policy ------------------------------------------------------------------


def agreement_template_create(
    *, committee: Any, title: str, body: str, actor: User | None
) -> AgreementTemplate:
    """A new version of the committee's agreement template (stewards and the chair)."""
    if actor is not None:
        require(actor, "agreement_template.manage", committee)
    title = _text(title, "title", limit=200)
    body = _text(body, "body", limit=50_000)
    unknown = rendering.unknown_placeholders(body)
    if unknown:
        raise ValidationError(
            "Unknown placeholders: " + ", ".join(unknown) + ".",
            details={"body": [f"Known placeholders: {', '.join(sorted(rendering.PLACEHOLDERS))}."]},
        )
    with transaction.atomic():
        # Locking the committee row serialises version numbers per committee.
        type(committee).objects.select_for_update().get(pk=committee.pk)
        last = current_template(committee)
        template = AgreementTemplate.objects.create(
            committee=committee,
            version=(last.version + 1) if last else 1,
            title=title,
            body=body,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            system=None if actor else SYSTEM,
            action=AuditAction.AGREEMENT_TEMPLATE_CREATED,
            target=template,
            data={"version": template.version, "sha256": rendering.sha256_hex(body)},
        )
    return template


def agreement_policy_set(*, committee: Any, actor: User | None, **fields: Any) -> AgreementPolicy:
    """Set the committee's agreement policy (the chair, or setup code with actor=None)."""
    if actor is not None:
        require(actor, "committee.chair", committee, message="Only the chair sets the policy.")
    allowed = {
        "countersignature_required",
        "withdrawal_deadline_days",
        "progress_report_grace_days",
        "signature_deadline_days",
    }
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError("Unknown fields.", details={k: ["Unknown field."] for k in unknown})
    with transaction.atomic():
        policy, _created = AgreementPolicy.objects.select_for_update().get_or_create(
            committee=committee
        )
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            policy.full_clean()
        except DjangoValidationError as exc:
            raise ValidationError("Invalid input.", details=exc.message_dict) from exc
        policy.save()
        audit_record(
            actor=actor,
            system=None if actor else SYSTEM,
            action=AuditAction.AGREEMENT_POLICY_UPDATED,
            target=("committee", committee.slug),
            data={k: fields[k] for k in sorted(fields)},
        )
    return policy


# -- approval: pending grants and the agreement --------------------------------------------


def _condition_text(condition: Any) -> str:
    if isinstance(condition, dict):
        parts = [str(condition.get(k)) for k in ("code", "text", "description") if condition.get(k)]
        return " — ".join(parts) or str(condition)
    return str(condition)


def _agreement_values(  # type: ignore[no-untyped-def]
    access_request: AccessRequest, rows: list[RequestedDataset], days: int, committee: Any
):
    applicant = access_request.applicant
    conditions: list[str] = []
    for row in rows:
        for condition in row.decision_conditions or []:
            text = f"{row.dataset.accession}: {_condition_text(condition)}"
            if text not in conditions:
                conditions.append(text)
    # The agreement names people: a linked account by its name, a username no usable
    # account holds as typed and marked as not covered (only accounts get grants). By now
    # the committee has reviewed the list (docs/access-requests.md, "Collaborators").
    collaborators = [
        str(c.user.get_full_name() or c.user.username)
        if c.user is not None
        else (
            f"{c.username} (no portal account: not covered)"
            if c.username
            else f"{c.name} ({c.institution_name})"
        )
        for c in Collaborator.objects.filter(access_request=access_request).select_related("user")
    ]
    return {
        "reference": access_request.reference,
        "title": access_request.title,
        "applicant": applicant.get_full_name() or applicant.username,
        "institution": access_request.institution.name if access_request.institution else "",
        "committee": committee.name if committee else "",
        "datasets": rendering.markdown_list(
            [f"{row.dataset.accession} — {row.dataset.title}" for row in rows]
        ),
        "conditions": rendering.markdown_list(conditions),
        "collaborators": rendering.markdown_list(collaborators),
        "access_days": str(days),
        "date": f"{timezone.localdate():%Y-%m-%d}",
    }


def _template_for(committee: Any) -> AgreementTemplate:
    template = current_template(committee)
    if template is None:
        # A committee that never wrote its own agreement uses the portal's default text,
        # kept as its version 1 so every agreement names the template it came from.
        template = agreement_template_create(
            committee=committee,
            title=DEFAULT_TEMPLATE_TITLE,
            body=DEFAULT_TEMPLATE_BODY,
            actor=None,
        )
    return template


def _agreement_parts(
    access_request: AccessRequest, rows: list[RequestedDataset]
) -> list[tuple[Any, AgreementTemplate, list[RequestedDataset]]]:
    """(committee, its current template, its approved rows) for each committee that
    approved a dataset, in dataset order."""
    by_committee: dict[int, tuple[Any, list[RequestedDataset]]] = {}
    for row in rows:
        committee = row.committee or row.dataset.committee
        by_committee.setdefault(committee.pk, (committee, []))[1].append(row)
    return [(c, _template_for(c), part) for c, part in by_committee.values()]


def _agreement_text(
    access_request: AccessRequest,
    parts: list[tuple[Any, AgreementTemplate, list[RequestedDataset]]],
) -> str:
    """One agreement. For datasets of one committee: that committee's template, filled in.
    For a request whose approved datasets belong to several committees: one part per
    committee, each its own template filled with its own datasets, conditions and access
    period, under a heading naming the committee and the template version (ADR 0006)."""
    if len(parts) == 1:
        committee, template, part = parts[0]
        return rendering.fill(
            template.body,
            _agreement_values(access_request, part, committee.default_access_days, committee),
        )
    sections = [
        f"This agreement for {access_request.reference} has {len(parts)} parts: the datasets "
        "below were approved by different data access committees, and each part holds the "
        "terms of the committee that approved its datasets. Signing it accepts every part."
    ]
    for number, (committee, template, part) in enumerate(parts, start=1):
        body = rendering.fill(
            template.body,
            _agreement_values(access_request, part, committee.default_access_days, committee),
        )
        sections.append(
            f"## Part {number} of {len(parts)}: {committee.name} "
            f"(agreement template v{template.version})\n\n{body.strip()}"
        )
    return "\n\n---\n\n".join(sections) + "\n"


def grants_prepare_for_approval(
    *, access_request: AccessRequest, actor: User | None
) -> list[Grant]:
    """Create the pending grants and the agreement of an approved request.

    Contract (the committee decision service calls this inside its own transaction, after
    recording the per-dataset decisions): one `pending` grant per RequestedDataset whose
    decision is `approved` (holder = the applicant; the request's collaborators are covered
    by it), with the access period of the dataset's committee (`default_access_days`;
    the period starts when the grant becomes active), and the request's Agreement rendered
    from the committee's current template (its text filled with the request, datasets and
    conditions; its SHA-256 stored). When the approved datasets belong to several
    committees (a request spanning committees, ADR 0006) the one agreement has one part
    per committee, each from that committee's template with its datasets, conditions and
    access period; it needs a countersignature when any of those committees asks for one.
    The applicant is told to sign. Idempotent: calling it
    again creates nothing new and returns the request's grants. Audited `grant.created` per
    grant and `agreement.created`. `actor` is the deciding chair (None for setup code).
    """
    with transaction.atomic():
        access_request = (
            AccessRequest.objects.select_for_update(of=("self",))
            .select_related("committee", "institution", "applicant")
            .get(pk=access_request.pk)
        )
        committee = access_request.committee
        if committee is None:
            raise Conflict("The request has no committee.")
        rows = list(
            RequestedDataset.objects.filter(access_request=access_request, decision="approved")
            .select_related("dataset", "dataset__committee", "committee")
            .order_by("position", "id")
        )
        if not rows:
            raise Conflict("No dataset of this request is approved.", code="nothing_approved")
        existing = {
            g.requested_dataset_id: g for g in Grant.objects.filter(access_request=access_request)
        }
        created: list[Grant] = []
        for row in rows:
            if row.pk in existing:
                continue
            # The access period and oversight of the committee that decided the dataset.
            deciding = row.committee or row.dataset.committee
            days = deciding.default_access_days
            grant = Grant.objects.create(
                access_request=access_request,
                requested_dataset=row,
                dataset=row.dataset,
                committee=deciding,
                holder=access_request.applicant,
                access_days=days,
                conditions=list(row.decision_conditions or []),
            )
            created.append(grant)
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AuditAction.GRANT_CREATED,
                target=grant,
                data={
                    "status": grant.status,
                    "request": access_request.reference,
                    "dataset": row.dataset.accession,
                    "access_days": days,
                    "conditions": grant.conditions,
                },
            )
        if not Agreement.objects.filter(access_request=access_request).exists():
            parts = _agreement_parts(access_request, rows)
            template = parts[0][1]
            text = _agreement_text(access_request, parts)
            agreement = Agreement.objects.create(
                access_request=access_request,
                template=template,
                template_version=template.version,
                text=text,
                text_sha256=rendering.sha256_hex(text),
                # The strictest policy of the committees involved.
                countersignature_required=any(
                    policy_for(c).countersignature_required for c, _t, _r in parts
                ),
            )
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AuditAction.AGREEMENT_CREATED,
                target=agreement,
                data={
                    "template_version": template.version,
                    "templates": {c.slug: t.version for c, t, _r in parts},
                    "text_sha256": agreement.text_sha256,
                    "countersignature_required": agreement.countersignature_required,
                    "grants": [g.reference for g in created],
                },
            )
            _notify(
                "agreement_ready",
                access_request.applicant,
                f"agreement.ready:{access_request.reference}",
                {
                    "reference": access_request.reference,
                    "title": access_request.title,
                    "committee_name": ", ".join(c.name for c, _t, _r in parts),
                    "action_url": f"/requests/{access_request.reference}/agreement/",
                },
                actor,
            )
        return list(Grant.objects.filter(access_request=access_request).order_by("id"))


# -- signing ---------------------------------------------------------------------------------


def _lock_agreement(agreement: Agreement) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("access_request", "access_request__applicant", "access_request__committee")
        .get(pk=agreement.pk)
    )


def _check_text(agreement: Agreement, text_sha256: Any) -> str:
    if not isinstance(text_sha256, str) or not text_sha256.strip():
        raise ValidationError(
            "Send the text_sha256 of the agreement text you were shown.",
            details={"text_sha256": ["Required."]},
        )
    given = text_sha256.strip().lower()
    if given != agreement.text_sha256:
        raise Conflict(
            "The agreement text you were shown is not the current one: read it again and sign "
            "that.",
            code="text_mismatch",
            details={"text_sha256": agreement.text_sha256},
        )
    return given


def _request_still_approved(agreement: Agreement) -> None:
    status = agreement.access_request.status
    if status != request_workflow.Status.APPROVED:
        raise Conflict(
            f"The request is {status}: its agreement can no longer be signed.",
            code="request_not_approved",
            details={"status": status},
        )


def _activate_grants(agreement: Agreement, now: datetime, actor: User) -> list[Grant]:
    activated = []
    grants = (
        Grant.objects.select_for_update(of=("self",))
        .filter(access_request_id=agreement.access_request_id, status=GS.PENDING)
        .select_related("dataset", "committee", "holder", "access_request")
        .order_by("id")
    )
    for grant in grants:
        _set_status(grant, A.ACTIVATE, now)
        grant.starts_at = now
        grant.ends_at = now + timedelta(days=grant.access_days)
        grant.next_report_due_on = _first_report_due(grant.starts_at, grant.ends_at)
        grant.save()
        audit_record(
            actor=actor,
            action=AuditAction.GRANT_ACTIVATED,
            target=grant,
            data={
                "old_status": GS.PENDING.value,
                "new_status": grant.status,
                "starts_at": grant.starts_at.isoformat(),
                "ends_at": grant.ends_at.isoformat(),
                "dataset": grant.dataset.accession,
            },
        )
        _notify(
            "grant_activated",
            grant.holder,
            f"grant.activated:{grant.reference}",
            grant_context(grant),
            actor,
        )
        activated.append(grant)
    return activated


def agreement_sign(
    *, agreement: Agreement, actor: User, text_sha256: Any, accept: Any
) -> Agreement:
    """The applicant signs the text whose SHA-256 they send (409 if it is not the current
    text). Records who, when, from which address and the hash. Without a countersignature
    requirement the request's grants become active at once."""
    with transaction.atomic():
        agreement = _lock_agreement(agreement)
        access_request = agreement.access_request
        if access_request.applicant_id != actor.pk:
            raise PermissionDenied("Only the applicant signs the agreement.")
        if accept is not True:
            raise ValidationError(
                "Tick the box to accept the agreement.", details={"accept": ["Must be true."]}
            )
        if agreement.is_signed:
            raise Conflict("The agreement is already signed.", code="already_signed")
        _request_still_approved(agreement)
        digest = _check_text(agreement, text_sha256)
        now = timezone.now()
        agreement.signed_by = actor
        agreement.signed_at = now
        agreement.signed_ip = _client_ip()
        agreement.signed_text_sha256 = digest
        agreement.save()
        audit_record(
            actor=actor,
            action=AuditAction.AGREEMENT_SIGNED,
            target=agreement,
            data={
                "text_sha256": digest,
                "template_version": agreement.template_version,
                "countersignature_required": agreement.countersignature_required,
            },
        )
        if agreement.is_complete:
            _activate_grants(agreement, now, actor)
        else:
            for official in _officials(access_request.institution_id):
                _notify(
                    "agreement_countersign_needed",
                    official,
                    f"agreement.countersign_needed:{access_request.reference}:{official.pk}",
                    {
                        "reference": access_request.reference,
                        "title": access_request.title,
                        "applicant_name": actor.get_full_name() or actor.username,
                        "action_url": f"/requests/{access_request.reference}/agreement/",
                    },
                    actor,
                )
    return agreement


def agreement_countersign(
    *, agreement: Agreement, actor: User, text_sha256: Any = None
) -> Agreement:
    """The signing official of the applicant's institution countersigns a signed agreement
    (where the committee asks for it); the request's grants become active."""
    with transaction.atomic():
        agreement = _lock_agreement(agreement)
        access_request = agreement.access_request
        if access_request.institution is None:
            raise PermissionDenied("Only a signing official of the institution countersigns.")
        require(
            actor,
            "institution.sign_for",
            access_request.institution,
            message="Only a signing official of the applicant's institution countersigns.",
        )
        if not agreement.countersignature_required:
            raise Conflict(
                "The committee does not ask for a countersignature.",
                code="countersignature_not_required",
            )
        if not agreement.is_signed:
            raise Conflict(
                "The applicant has not signed yet.", code="not_signed", details={"signed": False}
            )
        if agreement.countersigned_at is not None:
            raise Conflict("The agreement is already countersigned.", code="already_countersigned")
        _request_still_approved(agreement)
        digest = (
            _check_text(agreement, text_sha256)
            if text_sha256 is not None
            else agreement.text_sha256
        )
        now = timezone.now()
        agreement.countersigned_by = actor
        agreement.countersigned_at = now
        agreement.countersigned_ip = _client_ip()
        agreement.countersigned_text_sha256 = digest
        agreement.save()
        audit_record(
            actor=actor,
            action=AuditAction.AGREEMENT_COUNTERSIGNED,
            target=agreement,
            data={"text_sha256": digest, "template_version": agreement.template_version},
        )
        _activate_grants(agreement, now, actor)
    return agreement


def signed_copy(agreement: Agreement) -> str:
    """The signed copy the parties download: the exact text, then the signature record."""
    lines = [agreement.text.rstrip("\n"), "", "---", "", "## Signatures", ""]
    lines.append(f"- Agreement text SHA-256: `{agreement.text_sha256}`")
    lines.append(f"- Template version: {agreement.template_version}")
    if agreement.signed_at and agreement.signed_by is not None:
        who = agreement.signed_by
        lines.append(
            f"- Signed by {who.get_full_name() or who.username} ({who.username}) at "
            f"{agreement.signed_at.isoformat()} from {agreement.signed_ip or 'an unknown address'}"
        )
    else:
        lines.append("- Not signed yet.")
    if agreement.countersignature_required:
        if agreement.countersigned_at and agreement.countersigned_by is not None:
            who = agreement.countersigned_by
            lines.append(
                f"- Countersigned by {who.get_full_name() or who.username} ({who.username}) at "
                f"{agreement.countersigned_at.isoformat()}"
            )
        else:
            lines.append("- Not countersigned yet.")
    return "\n".join(lines) + "\n"


# -- committee oversight: suspend, revoke, reinstate ---------------------------------------


def _oversight(
    *, grant: Grant, actor: User, reason: Any, action: str, audit_action: AuditAction, kind: str
) -> Grant:
    reason = _text(reason, "reason", limit=2000)
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, action, actor)
        now = timezone.now()
        old = _set_status(grant, action, now, reason=reason, kind=kind)
        grant.save()
        audit_record(
            actor=actor,
            action=audit_action,
            target=grant,
            data={"old_status": old, "new_status": grant.status, "reason": reason},
        )
        _notify(
            "grant_status_changed",
            grant.holder,
            f"grant.{grant.status}:{grant.reference}:{now.isoformat()}",
            grant_context(grant),
            actor,
        )
        if grant.status in workflow.ENDED_STATUSES:
            _close_request_if_ended(grant.access_request, actor=actor)
    return grant


def grant_suspend(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward suspends an active grant (reason required): no entitlement
    and no visa from that moment."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.SUSPEND,
        audit_action=AuditAction.GRANT_SUSPENDED,
        kind=SuspensionKind.COMMITTEE,
    )


def grant_revoke(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward revokes a grant for good (reason required)."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.REVOKE,
        audit_action=AuditAction.GRANT_REVOKED,
        kind="",
    )


def grant_reinstate(*, grant: Grant, actor: User, reason: Any) -> Grant:
    """The chair or a steward lifts a suspension (reason required)."""
    return _oversight(
        grant=grant,
        actor=actor,
        reason=reason,
        action=A.REINSTATE,
        audit_action=AuditAction.GRANT_REINSTATED,
        kind="",
    )


# -- renewal ---------------------------------------------------------------------------------


def grant_renewal_request(*, grant: Grant, actor: User, justification: Any) -> Renewal:
    """The holder asks the committee to extend an active grant."""
    justification = _text(justification, "justification")
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, A.REQUEST_RENEWAL, actor)
        if Renewal.objects.filter(grant=grant, status=Renewal.Status.PENDING).exists():
            raise Conflict("A renewal of this grant is already waiting.", code="renewal_pending")
        renewal = Renewal.objects.create(
            grant=grant, justification=justification, requested_by=actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.GRANT_RENEWAL_REQUESTED,
            target=grant,
            data={"renewal": str(renewal.public_id), "justification": justification},
        )
        for chair in _chairs(grant.committee_id):
            _notify(
                "grant_renewal_requested",
                chair,
                f"grant.renewal_requested:{renewal.public_id}:{chair.pk}",
                {**grant_context(grant), "justification": justification},
                actor,
            )
    return renewal


def grant_renewal_decide(*, grant: Grant, actor: User, decision: Any, reason: Any = "") -> Renewal:
    """The chair approves (the grant's end moves by the committee's access period) or
    rejects (reason required) the waiting renewal."""
    if decision not in {"approved", "rejected"}:
        raise ValidationError(
            "The decision is 'approved' or 'rejected'.", details={"decision": ["Invalid choice."]}
        )
    reason = _text(reason, "reason", required=decision == "rejected", limit=2000)
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, A.RENEW, actor)
        renewal = (
            Renewal.objects.select_for_update()
            .filter(grant=grant, status=Renewal.Status.PENDING)
            .first()
        )
        if renewal is None:
            raise Conflict("No renewal of this grant is waiting.", code="no_pending_renewal")
        now = timezone.now()
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
            grant.save()
            renewal.extended_to = grant.ends_at
            audit_record(
                actor=actor,
                action=AuditAction.GRANT_RENEWED,
                target=grant,
                data={
                    "renewal": str(renewal.public_id),
                    "old_ends_at": old_end.isoformat(),
                    "new_ends_at": grant.ends_at.isoformat(),
                    "reason": reason,
                },
            )
        else:
            audit_record(
                actor=actor,
                action=AuditAction.GRANT_RENEWAL_REJECTED,
                target=grant,
                data={"renewal": str(renewal.public_id), "reason": reason},
            )
        renewal.save()
        _notify(
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


# -- progress reports ------------------------------------------------------------------------


def progress_report_submit(
    *, grant: Grant, actor: User, summary: Any, publications: Any = "", purpose_changes: Any = ""
) -> ProgressReport:
    """The holder files the yearly report due next. A grant suspended only because that
    report was overdue becomes active again."""
    summary = _text(summary, "summary")
    publications = _text(publications, "publications", required=False)
    purpose_changes = _text(purpose_changes, "purpose_changes", required=False)
    with transaction.atomic():
        grant = _lock_grant(grant)
        _check(grant, A.REPORT, actor)
        now = timezone.now()
        due_on = grant.next_report_due_on or timezone.localdate(now)
        if ProgressReport.objects.filter(grant=grant, due_on=due_on).exists():
            raise Conflict("This report was already filed.", code="already_reported")
        report = ProgressReport.objects.create(
            grant=grant,
            due_on=due_on,
            summary=summary,
            publications=publications,
            purpose_changes=purpose_changes,
            submitted_by=actor,
            submitted_at=now,
        )
        if grant.next_report_due_on is not None and grant.ends_at is not None:
            following = grant.next_report_due_on + REPORT_INTERVAL
            grant.next_report_due_on = (
                following if following < timezone.localtime(grant.ends_at).date() else None
            )
        reinstated = (
            grant.status == GS.SUSPENDED and grant.suspension_kind == SuspensionKind.PROGRESS_REPORT
        )
        if reinstated:
            _set_status(grant, A.REINSTATE, now, reason="Progress report filed.")
        grant.save()
        audit_record(
            actor=actor,
            action=AuditAction.GRANT_PROGRESS_REPORTED,
            target=grant,
            data={
                "due_on": due_on.isoformat(),
                "publications": bool(publications),
                "purpose_changed": bool(purpose_changes),
                "next_due_on": grant.next_report_due_on.isoformat()
                if grant.next_report_due_on
                else None,
            },
        )
        if reinstated:
            audit_record(
                actor=None,
                system=SYSTEM,
                action=AuditAction.GRANT_REINSTATED,
                target=grant,
                data={
                    "old_status": GS.SUSPENDED.value,
                    "new_status": grant.status,
                    "reason": "Progress report filed.",
                },
            )
        if purpose_changes:
            for chair in _chairs(grant.committee_id):
                _notify(
                    "grant_purpose_changed",
                    chair,
                    f"grant.purpose_changed:{grant.reference}:{due_on.isoformat()}:{chair.pk}",
                    {**grant_context(grant), "purpose_changes": purpose_changes},
                    actor,
                )
    return report


# -- close-out -------------------------------------------------------------------------------


def grant_attest_destruction(*, grant: Grant, actor: User, statement: Any) -> CloseOut:
    """Data-destruction attestation: the researcher's (holder) and the signing official's.
    When both are given the grant is closed, and the request too once all its grants ended."""
    statement = _text(statement, "statement", limit=4000)
    with transaction.atomic():
        grant = _lock_grant(grant)
        roles = _check(grant, A.ATTEST_DESTRUCTION, actor)
        now = timezone.now()
        close_out, _created = CloseOut.objects.select_for_update().get_or_create(grant=grant)
        as_role = ""
        if workflow.Role.HOLDER in roles and close_out.researcher_attested_at is None:
            close_out.researcher_statement = statement
            close_out.researcher_attested_by = actor
            close_out.researcher_attested_at = now
            as_role = "researcher"
        elif workflow.Role.SIGNING_OFFICIAL in roles and close_out.official_attested_at is None:
            close_out.official_statement = statement
            close_out.official_attested_by = actor
            close_out.official_attested_at = now
            as_role = "signing_official"
        else:
            raise Conflict("You have already attested the destruction.", code="already_attested")
        close_out.save()
        audit_record(
            actor=actor,
            action=AuditAction.GRANT_CLOSEOUT_ATTESTED,
            target=grant,
            data={"as": as_role, "statement": statement},
        )
        if close_out.researcher_attested_at and close_out.official_attested_at:
            old = _set_status(grant, A.CLOSE, now, reason="Data destruction attested.")
            grant.save()
            audit_record(
                actor=actor,
                action=AuditAction.GRANT_CLOSED,
                target=grant,
                data={"old_status": old, "new_status": grant.status},
            )
            _close_request_if_ended(grant.access_request, actor=actor)
        elif as_role == "researcher":
            for official in _officials(grant.access_request.institution_id):
                _notify(
                    "closeout_attestation_needed",
                    official,
                    f"grant.closeout_needed:{grant.reference}:{official.pk}",
                    grant_context(grant),
                    actor,
                )
    return close_out


def _close_request_if_ended(
    access_request: AccessRequest, *, actor: User | None, system: str = SYSTEM
) -> bool:
    """Inside the caller's transaction: an approved request whose grants all ended becomes
    `closed` (access_requests.workflow's close action), audited access_request.closed."""
    access_request = AccessRequest.objects.select_for_update(of=("self",)).get(pk=access_request.pk)
    statuses = set(
        Grant.objects.filter(access_request=access_request).values_list("status", flat=True)
    )
    if not statuses or statuses & set(workflow.LIVE_STATUSES):
        return False
    if not request_workflow.may(access_request.status, "close", [request_workflow.Role.SYSTEM]):
        return False
    now = timezone.now()
    old = access_request.status
    access_request.status = request_workflow.next_status(old, "close")
    access_request.closed_at = now
    access_request.updated_at = now
    access_request.save(update_fields=["status", "closed_at", "updated_at"])
    RequestedDataset.objects.filter(access_request=access_request).update(
        is_open=request_workflow.is_open(access_request.status)
    )
    CommitteeRoute.objects.filter(access_request=access_request).update(
        status=access_request.status
    )
    audit_record(
        actor=actor,
        system=None if actor else system,
        action=AuditAction.ACCESS_REQUEST_CLOSED,
        target=access_request,
        data={"old_status": old, "new_status": access_request.status, "grants": sorted(statuses)},
    )
    return True


def access_request_close_if_ended(
    *, access_request: AccessRequest, actor: User | None = None, system: str = SYSTEM
) -> bool:
    """Close an approved request whose grants have all ended (expired, revoked, closed).
    Returns whether it closed it. Safe to call any number of times."""
    with transaction.atomic():
        return _close_request_if_ended(access_request, actor=actor, system=system)


# -- sanctions -------------------------------------------------------------------------------


def _suspend_for_sanction(
    grants: Iterable[Grant], sanction: Sanction, now: datetime, actor: User
) -> list[str]:
    suspended = []
    for grant in grants:
        old = _set_status(
            grant, A.SUSPEND, now, reason=sanction.reason, kind=SuspensionKind.SANCTION
        )
        grant.save()
        audit_record(
            actor=actor,
            action=AuditAction.GRANT_SUSPENDED,
            target=grant,
            data={
                "old_status": old,
                "new_status": grant.status,
                "reason": sanction.reason,
                "sanction": str(sanction.public_id),
            },
        )
        _notify(
            "grant_status_changed",
            grant.holder,
            f"grant.suspended:{grant.reference}:{sanction.public_id}",
            grant_context(grant),
            actor,
        )
        suspended.append(grant.reference)
    return suspended


def _grants_of_subject(sanction: Sanction, statuses: Iterable[str]) -> Any:
    grants = Grant.objects.select_for_update(of=("self",)).filter(status__in=list(statuses))
    if sanction.user_id:
        grants = grants.filter(holder_id=sanction.user_id)
    else:
        grants = grants.filter(holder__institution_id=sanction.institution_id or 0)
    return grants.select_related("dataset", "committee", "holder", "access_request").order_by("id")


def sanction_impose(
    *,
    actor: User,
    reason: Any,
    user: User | None = None,
    institution: Institution | None = None,
    ends_at: datetime | None = None,
) -> Sanction:
    """Sanction a researcher or an institution (administrators and committee chairs): new
    submissions are refused while it lasts and their active grants are suspended now."""
    require(actor, "sanction.manage", message="Only administrators and chairs impose sanctions.")
    reason = _text(reason, "reason", limit=2000)
    if (user is None) == (institution is None):
        raise ValidationError(
            "Name either a user or an institution.", details={"subject": ["Exactly one."]}
        )
    now = timezone.now()
    if ends_at is not None and ends_at <= now:
        raise ValidationError(
            "The end must be in the future.", details={"ends_at": ["In the past."]}
        )
    with transaction.atomic():
        sanction = Sanction.objects.create(
            user=user,
            institution=institution,
            reason=reason,
            starts_at=now,
            ends_at=ends_at,
            imposed_by=actor,
            imposed_at=now,
        )
        suspended = _suspend_for_sanction(
            _grants_of_subject(sanction, [GS.ACTIVE]), sanction, now, actor
        )
        audit_record(
            actor=actor,
            action=AuditAction.SANCTION_IMPOSED,
            target=sanction,
            data={
                "user": str(user.public_id) if user else None,
                "institution": institution.name if institution else None,
                "reason": reason,
                "ends_at": ends_at.isoformat() if ends_at else None,
                "grants_suspended": suspended,
            },
        )
    return sanction


def sanction_lift(*, sanction: Sanction, actor: User, reason: Any) -> Sanction:
    """End a sanction early. Grants it suspended become active again unless another
    sanction still covers their holder (or they expired meanwhile)."""
    require(actor, "sanction.manage", message="Only administrators and chairs lift sanctions.")
    reason = _text(reason, "reason", limit=2000)
    with transaction.atomic():
        sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
        if sanction.lifted_at is not None:
            raise Conflict("The sanction was already lifted.", code="already_lifted")
        now = timezone.now()
        sanction.lifted_at = now
        sanction.lifted_by = actor
        sanction.lift_reason = reason
        sanction.save()
        reinstated = _reinstate_after_sanctions(sanction, now, actor=actor)
        audit_record(
            actor=actor,
            action=AuditAction.SANCTION_LIFTED,
            target=sanction,
            data={"reason": reason, "grants_reinstated": reinstated},
        )
    return sanction


def _reinstate_after_sanctions(
    sanction: Sanction, now: datetime, *, actor: User | None
) -> list[str]:
    in_force = Sanction.objects.filter(active_sanctions_q(now)).exclude(pk=sanction.pk)
    reinstated = []
    for grant in _grants_of_subject(sanction, [GS.SUSPENDED]).filter(
        suspension_kind=SuspensionKind.SANCTION
    ):
        holder = grant.holder
        still = in_force.filter(user=holder).exists() or (
            holder.institution_id and in_force.filter(institution_id=holder.institution_id).exists()
        )
        if still or (grant.ends_at and grant.ends_at <= now):
            continue
        old = _set_status(grant, A.REINSTATE, now, reason="Sanction ended.")
        grant.save()
        audit_record(
            actor=actor,
            system=None if actor else SYSTEM,
            action=AuditAction.GRANT_REINSTATED,
            target=grant,
            data={
                "old_status": old,
                "new_status": grant.status,
                "sanction": str(sanction.public_id),
            },
        )
        reinstated.append(grant.reference)
    return reinstated


# -- consent withdrawals ---------------------------------------------------------------------


def consent_withdrawal_propagate(
    *, withdrawal: ConsentWithdrawal, actor: User | None = None, now: datetime | None = None
) -> list[WithdrawalNotice]:
    """Tell every holder of an active (or suspended) grant of the dataset about a recorded
    consent withdrawal: one notice each, due after the committee's deadline (default 30
    days). Idempotent: holders already told are not told again. The periodic job calls it
    for every withdrawal not yet propagated, so a withdrawal recorded while the workers
    were down is propagated on the next run."""
    now = now or timezone.now()
    with transaction.atomic():
        withdrawal = (
            ConsentWithdrawal.objects.select_for_update(of=("self",))
            .select_related("dataset", "dataset__committee")
            .get(pk=withdrawal.pk)
        )
        policy = policy_for(withdrawal.dataset.committee)
        told = set(
            WithdrawalNotice.objects.filter(withdrawal=withdrawal).values_list(
                "grant_id", flat=True
            )
        )
        grants = (
            Grant.objects.filter(
                dataset_id=withdrawal.dataset_id, status__in=list(workflow.HOLDING_STATUSES)
            )
            .exclude(pk__in=told)
            .select_related("holder", "dataset", "committee", "access_request")
            .order_by("id")
        )
        due_at = now + timedelta(days=policy.withdrawal_deadline_days)
        notices = []
        for grant in grants:
            notice = WithdrawalNotice.objects.create(
                withdrawal=withdrawal,
                grant=grant,
                holder=grant.holder,
                notified_at=now,
                due_at=due_at,
            )
            notices.append(notice)
            _notify(
                "consent_withdrawal_notice",
                grant.holder,
                f"withdrawal.notice:{notice.public_id}",
                _notice_context(notice),
                actor,
            )
        first_time = withdrawal.propagated_at is None
        if first_time:
            withdrawal.propagated_at = now
            withdrawal.save(update_fields=["propagated_at"])
        if notices or first_time:
            audit_record(
                actor=actor,
                system=None if actor else SYSTEM,
                action=AuditAction.CONSENT_WITHDRAWAL_PROPAGATED,
                target=withdrawal,
                data={
                    "dataset": withdrawal.dataset.accession,
                    "grants": [n.grant.reference for n in notices],
                    "due_at": due_at.isoformat(),
                },
            )
    return notices


def _notice_context(notice: WithdrawalNotice) -> dict[str, Any]:
    grant = notice.grant
    withdrawal = notice.withdrawal
    return {
        **grant_context(grant),
        "participant_count": withdrawal.participant_count,
        "pseudonymous_ids": list(withdrawal.pseudonymous_ids or [])[:200],
        "due_on": f"{timezone.localtime(notice.due_at):%Y-%m-%d}",
        "holder_name": grant.holder.get_full_name() or grant.holder.username,
        "action_url": f"/grants/{grant.reference}/",
    }


def withdrawal_acknowledge(
    *, notice: WithdrawalNotice, actor: User, confirm_deletion: Any
) -> WithdrawalNotice:
    """The grant holder acknowledges a withdrawal and confirms the withdrawn participants'
    data is deleted."""
    if confirm_deletion is not True:
        raise ValidationError(
            "Confirm that the withdrawn participants' data is deleted.",
            details={"confirm_deletion": ["Must be true."]},
        )
    with transaction.atomic():
        notice = (
            WithdrawalNotice.objects.select_for_update(of=("self",))
            .select_related("grant", "withdrawal", "withdrawal__dataset")
            .get(pk=notice.pk)
        )
        if notice.holder_id != actor.pk:
            raise PermissionDenied("Only the grant holder acknowledges the withdrawal.")
        if notice.acknowledged_at is not None:
            raise Conflict("Already acknowledged.", code="already_acknowledged")
        now = timezone.now()
        notice.acknowledged_at = now
        notice.acknowledged_by = actor
        notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_record(
            actor=actor,
            action=AuditAction.CONSENT_WITHDRAWAL_ACKNOWLEDGED,
            target=notice,
            data={
                "grant": notice.grant.reference,
                "dataset": notice.withdrawal.dataset.accession,
                "deletion_confirmed": True,
                "late": now > notice.due_at,
            },
        )
    return notice


__all__ = [
    "access_request_close_if_ended",
    "agreement_countersign",
    "agreement_policy_set",
    "agreement_sign",
    "agreement_template_create",
    "consent_withdrawal_propagate",
    "grant_attest_destruction",
    "grant_reinstate",
    "grant_renewal_decide",
    "grant_renewal_request",
    "grant_revoke",
    "grant_suspend",
    "grants_prepare_for_approval",
    "progress_report_submit",
    "sanction_impose",
    "sanction_lift",
    "signed_copy",
    "withdrawal_acknowledge",
]
