"""Agreement templates and each committee's agreement policy."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import require
from agreements import rendering
from agreements.audit_actions import AgreementAudit
from agreements.models import (
    AgreementPolicy,
    AgreementTemplate,
)
from agreements.selectors import current_template
from agreements.services._common import SYSTEM, _text
from audit.services import audit_record
from dac_portal.errors import ValidationError


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
            action=AgreementAudit.AGREEMENT_TEMPLATE_CREATED,
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
            action=AgreementAudit.AGREEMENT_POLICY_UPDATED,
            target=("committee", committee.slug),
            data={k: fields[k] for k in sorted(fields)},
        )
    return policy
