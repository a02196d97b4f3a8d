"""State changes of agreements, grants, renewals, progress reports, close-outs, sanctions
and consent-withdrawal notices, one module per subject. This package re-exports each
service so that callers write `from agreements import services` and `services.grant_revoke`.

One function per change, keyword-only, in one transaction: lock the row, ask the grant
workflow table (agreements.workflow) whether the caller may do it now (403 when none of
their roles ever could, 409 with the allowed actions when the status forbids), change the
rows, write the audit event, queue the notifications (sent after the commit). Only these
functions assign a grant's `status`.
"""

from __future__ import annotations

from agreements.services._common import DEFAULT_TEMPLATE_BODY, DEFAULT_TEMPLATE_TITLE
from agreements.services.approval import _template_for, grants_prepare_for_approval
from agreements.services.close_out import access_request_close_if_ended, grant_attest_destruction
from agreements.services.collaborators import (
    collaborator_invitation_accept,
    collaborator_invitation_resend,
    collaborator_leave,
    collaborator_remove,
    collaborator_sign,
    collaborators_invite,
)
from agreements.services.findings import findings_publish, findings_unpublish
from agreements.services.oversight import grant_reinstate, grant_revoke, grant_suspend
from agreements.services.renewal import (
    grant_renewal_decide,
    grant_renewal_request,
    grant_renewal_vote,
)
from agreements.services.reports import progress_report_submit
from agreements.services.sanctions import sanction_impose, sanction_lift
from agreements.services.signing import agreement_countersign, agreement_sign, signed_copy
from agreements.services.templates import agreement_policy_set, agreement_template_create
from agreements.services.withdrawals import consent_withdrawal_propagate, withdrawal_acknowledge

__all__ = [
    "DEFAULT_TEMPLATE_BODY",
    "DEFAULT_TEMPLATE_TITLE",
    "_template_for",
    "access_request_close_if_ended",
    "agreement_countersign",
    "agreement_policy_set",
    "agreement_sign",
    "agreement_template_create",
    "collaborator_invitation_accept",
    "collaborator_invitation_resend",
    "collaborator_leave",
    "collaborator_remove",
    "collaborator_sign",
    "collaborators_invite",
    "consent_withdrawal_propagate",
    "findings_publish",
    "findings_unpublish",
    "grant_attest_destruction",
    "grant_reinstate",
    "grant_renewal_decide",
    "grant_renewal_request",
    "grant_renewal_vote",
    "grant_revoke",
    "grant_suspend",
    "grants_prepare_for_approval",
    "progress_report_submit",
    "sanction_impose",
    "sanction_lift",
    "signed_copy",
    "withdrawal_acknowledge",
]
