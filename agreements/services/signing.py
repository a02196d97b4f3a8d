"""Signing: the researcher signs, the signing official countersigns, and the grants become
active."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import workflow as request_workflow
from accounts.models import User
from accounts.permissions import require
from agreements import workflow
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    Agreement,
    Grant,
)
from agreements.services._common import (
    GRANTS,
    GS,
    A,
    _client_ip,
    _first_report_due,
    _officials,
    grant_context,
)
from audit.services import audit_record
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from notifications.services import notify


def _lock_agreement(agreement: Agreement) -> Agreement:
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("access_request", "access_request__applicant", "access_request__committee")
        .get(pk=agreement.pk)
    )


def check_text(agreement: Agreement, text_sha256: Any) -> str:
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


def request_still_approved(agreement: Agreement) -> None:
    status = agreement.access_request.status
    if status != request_workflow.Status.APPROVED:
        raise Conflict(
            f"The request is {status}: its agreement can no longer be signed.",
            code="request_not_approved",
            details={"status": status},
        )


@workflow.MACHINE.handles(A.ACTIVATE)
def _activate_grants(agreement: Agreement, actor: User) -> list[Grant]:
    """The portal's step once the agreement is complete: each pending grant of the request
    becomes active, fired as the system on behalf of the signer."""
    activated = []
    pending = Grant.objects.filter(
        access_request_id=agreement.access_request_id, status=GS.PENDING
    ).order_by("id")
    for grant in pending:
        with GRANTS.fire(
            grant, A.ACTIVATE, actor, AgreementAudit.GRANT_ACTIVATED, as_system=True
        ) as firing:
            grant = firing.obj
            grant.starts_at = firing.now
            grant.ends_at = firing.now + timedelta(days=grant.access_days)
            grant.next_report_due_on = _first_report_due(grant.starts_at, grant.ends_at)
            firing.data.update(
                starts_at=grant.starts_at.isoformat(),
                ends_at=grant.ends_at.isoformat(),
                dataset=grant.dataset.accession,
            )
        notify(
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
        request_still_approved(agreement)
        digest = check_text(agreement, text_sha256)
        now = timezone.now()
        agreement.signed_by = actor
        agreement.signed_at = now
        agreement.signed_ip = _client_ip()
        agreement.signed_text_sha256 = digest
        agreement.save()
        audit_record(
            actor=actor,
            action=AgreementAudit.AGREEMENT_SIGNED,
            target=agreement,
            data={
                "text_sha256": digest,
                "template_version": agreement.template_version,
                "countersignature_required": agreement.countersignature_required,
            },
        )
        if agreement.is_complete:
            _activate_grants(agreement, actor)
        else:
            for official in _officials(access_request.institution_id):
                notify(
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
        request_still_approved(agreement)
        digest = (
            check_text(agreement, text_sha256) if text_sha256 is not None else agreement.text_sha256
        )
        now = timezone.now()
        agreement.countersigned_by = actor
        agreement.countersigned_at = now
        agreement.countersigned_ip = _client_ip()
        agreement.countersigned_text_sha256 = digest
        agreement.save()
        audit_record(
            actor=actor,
            action=AgreementAudit.AGREEMENT_COUNTERSIGNED,
            target=agreement,
            data={"text_sha256": digest, "template_version": agreement.template_version},
        )
        _activate_grants(agreement, actor)
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
