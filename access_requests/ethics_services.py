"""Ethics approvals (issue 18), the writing side: the applicant files their ethics
committee's approval with its document. One service, audited in its transaction; the
reading side is access_requests/ethics.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from access_requests import workflow
from access_requests.audit_actions import RequestAudit
from access_requests.events import EthicsApprovalFiled
from access_requests.models import AccessRequest, Document, EthicsApproval
from access_requests.rules import allowed_actions_for
from access_requests.services import REQUESTS, document_store, upload_content_type
from accounts.models import User
from dac_portal import events
from dac_portal.errors import PermissionDenied, ValidationError
from dac_portal.text import one_line_fields

A = workflow.Action
LONGEST_APPROVAL_DAYS = 10 * 366


def _checked_fields(approving_body: Any, approval_number: Any, expires_on: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = one_line_fields(
        (("approving_body", approving_body, 200), ("approval_number", approval_number, 100)),
        errors,
    )
    today = timezone.localdate()
    if not isinstance(expires_on, date):
        errors["expires_on"] = ["A date."]
    elif expires_on < today:
        errors["expires_on"] = ["This approval has already lapsed: file a current one."]
    elif expires_on > today + timedelta(days=LONGEST_APPROVAL_DAYS):
        errors["expires_on"] = ["Within ten years."]
    else:
        fields["expires_on"] = expires_on
    if errors:
        raise ValidationError("Check the ethics approval.", details=errors)
    return fields


def require_filing_allowed(access_request: AccessRequest, actor: Any) -> None:
    """Refuse at once (403) someone who may not file an approval on this request, before a
    page or the API reads an upload they could not file anyway."""
    if A.FILE_ETHICS_APPROVAL not in allowed_actions_for(actor, access_request):
        raise PermissionDenied(
            "Only the applicant files ethics approvals, until the request ends.",
            code="not_allowed",
        )


@workflow.MACHINE.handles(A.FILE_ETHICS_APPROVAL)
def ethics_approval_file(
    *,
    access_request: AccessRequest,
    filename: str,
    content: bytes,
    approving_body: Any,
    approval_number: Any,
    expires_on: Any,
    actor: User,
) -> EthicsApproval:
    """The applicant files an approval: before submission where the consent asks for it,
    and again before it lapses while the grants run (a lapsed one suspends them; filing a
    current one reinstates them, through EthicsApprovalFiled)."""
    fields = _checked_fields(approving_body, approval_number, expires_on)
    content_type = upload_content_type(filename, content)
    with REQUESTS.fire(
        access_request, A.FILE_ETHICS_APPROVAL, actor, RequestAudit.ETHICS_APPROVAL_FILED
    ) as firing:
        document = document_store(
            firing,
            actor=actor,
            kind=Document.Kind.ETHICS_APPROVAL,
            filename=filename,
            content=content,
            content_type=content_type,
        )
        approval = EthicsApproval.objects.create(
            access_request=firing.obj,
            document=document,
            filed_by=actor,
            filed_at=firing.now,
            **fields,
        )
        firing.data.update(
            approval=str(approval.public_id),
            approving_body=approval.approving_body,
            approval_number=approval.approval_number,
            expires_on=approval.expires_on.isoformat(),
        )
        events.publish(EthicsApprovalFiled(firing.obj, approval, actor))
    return approval
