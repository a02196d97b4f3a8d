"""The audit actions agreements records, with their words (audit/registry.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.models import GrantStatus
from audit.registry import reason, register, register_statuses, sentence


class AgreementAudit(models.TextChoices):
    AGREEMENT_CREATED = "agreement.created", _("Agreement prepared")
    AGREEMENT_SIGNED = "agreement.signed", _("Agreement signed")
    AGREEMENT_COUNTERSIGNED = "agreement.countersigned", _("Agreement countersigned")
    AGREEMENT_TEMPLATE_CREATED = "agreement_template.created", _("Agreement template saved")
    AGREEMENT_POLICY_UPDATED = "agreement_policy.updated", _("Agreement policy changed")
    GRANT_CREATED = "grant.created", _("Grant prepared")
    GRANT_ACTIVATED = "grant.activated", _("Grant activated")
    GRANT_EXPIRED = "grant.expired", _("Grant expired")
    GRANT_SUSPENDED = "grant.suspended", _("Grant suspended")
    GRANT_REINSTATED = "grant.reinstated", _("Grant reinstated")
    GRANT_REVOKED = "grant.revoked", _("Grant revoked")
    GRANT_RENEWAL_REQUESTED = "grant.renewal_requested", _("Renewal requested")
    GRANT_RENEWAL_REJECTED = "grant.renewal_rejected", _("Renewal refused")
    GRANT_RENEWED = "grant.renewed", _("Grant renewed")
    GRANT_RENEWAL_VOTED = "grant.renewal_voted", _("Vote cast on a renewal")
    GRANT_PROGRESS_REPORTED = "grant.progress_reported", _("Progress report submitted")
    GRANT_CLOSEOUT_ATTESTED = "grant.closeout_attested", _("Data destruction attested")
    GRANT_CLOSED = "grant.closed", _("Grant closed")
    FINDINGS_PUBLISHED = "findings.published", _("Findings published on the public register")
    FINDINGS_UNPUBLISHED = (
        "findings.unpublished",
        _("Findings withdrawn from the public register"),
    )
    SANCTION_IMPOSED = "sanction.imposed", _("Sanction imposed")
    SANCTION_LIFTED = "sanction.lifted", _("Sanction lifted")
    CONSENT_WITHDRAWAL_PROPAGATED = (
        "consent.withdrawal_propagated",
        _("Grant holders told of a consent withdrawal"),
    )
    CONSENT_WITHDRAWAL_ACKNOWLEDGED = (
        "consent.withdrawal_acknowledged",
        _("Consent withdrawal acknowledged"),
    )
    CONSENT_WITHDRAWAL_ESCALATED = (
        "consent.withdrawal_escalated",
        _("Unacknowledged consent withdrawal escalated"),
    )
    COLLABORATOR_INVITED = "collaborator.invited", _("Collaborator invited")
    COLLABORATOR_INVITATION_RESENT = (
        "collaborator.invitation_resent",
        _("Collaborator invitation sent again"),
    )
    COLLABORATOR_JOINED = "collaborator.joined", _("Collaborator accepted the invitation")
    COLLABORATOR_SIGNED = "collaborator.signed", _("Collaborator signed the agreement")
    COLLABORATOR_REMOVED = "collaborator.removed", _("Collaborator removed")
    COLLABORATOR_LEFT = "collaborator.left", _("Collaborator left")


def _grant_created(data: Mapping[str, Any]) -> str:
    dataset, days = data.get("dataset"), data.get("access_days")
    if not dataset:
        return ""
    if days:
        return gettext("dataset %(dataset)s for %(days)s days") % {"dataset": dataset, "days": days}
    return gettext("dataset %(dataset)s") % {"dataset": dataset}


def _status_moved(data: Mapping[str, Any]) -> str:
    """Grant transitions record from/to (the set-based sweep) or old/new status."""
    old = data.get("from") or data.get("old_status")
    new = data.get("to") or data.get("new_status")
    moved = (
        gettext("from %(old)s to %(new)s") % {"old": old, "new": new}
        if old and new and old != new
        else ""
    )
    return sentence(moved, reason(data))


def _findings(data: Mapping[str, Any]) -> str:
    grant, dois = data.get("grant"), data.get("dois") or []
    if not grant:
        return ""
    return gettext("grant %(grant)s, %(count)s publication(s)") % {
        "grant": grant,
        "count": len(dois),
    }


def _sanction(data: Mapping[str, Any]) -> str:
    whom = data.get("institution") or ""
    return sentence(
        gettext("institution %(name)s") % {"name": whom} if whom else "",
        reason(data),
    )


register(
    AgreementAudit,
    app="agreements",
    describers={
        AgreementAudit.GRANT_CREATED: _grant_created,
        AgreementAudit.GRANT_ACTIVATED: _status_moved,
        AgreementAudit.GRANT_EXPIRED: _status_moved,
        AgreementAudit.GRANT_SUSPENDED: _status_moved,
        AgreementAudit.GRANT_REINSTATED: _status_moved,
        AgreementAudit.GRANT_REVOKED: _status_moved,
        AgreementAudit.GRANT_CLOSED: _status_moved,
        AgreementAudit.FINDINGS_PUBLISHED: _findings,
        AgreementAudit.FINDINGS_UNPUBLISHED: _findings,
        AgreementAudit.SANCTION_IMPOSED: _sanction,
        AgreementAudit.SANCTION_LIFTED: _sanction,
        AgreementAudit.COLLABORATOR_REMOVED: _status_moved,
        AgreementAudit.COLLABORATOR_LEFT: _status_moved,
    },
)
register_statuses(GrantStatus)
