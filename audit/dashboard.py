"""What the audit app puts on an auditor's home page (dac_portal/dashboard.py): when the
log was last verified, with what result, and when it was last exported. Two indexed
single-row reads, whatever the size of the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import can
from audit.audit_actions import LogAudit
from audit.models import AuditEvent, VerificationRun
from dac_portal.dashboard import Panel, WorkItem, register


def _auditor_items(user: Any, now: datetime) -> list[WorkItem]:
    run = VerificationRun.objects.order_by("-finished_at", "-pk").first()
    export = (
        AuditEvent.objects.filter(action=LogAudit.AUDIT_EXPORTED)
        .order_by("-seq")
        .values_list("occurred_at", flat=True)
        .first()
    )
    log = reverse("audit:log")
    return [
        WorkItem(
            _("Last verification of the log"),
            None,
            log,
            due=run.finished_at if run else None,
            detail=run.get_outcome_display() if run else _("never"),
            always=True,
            key="last_verification",
        ),
        WorkItem(
            _("Last export of the log"),
            None,
            log,
            due=export,
            detail="" if export else _("never"),
            always=True,
            key="last_export",
        ),
    ]


register(
    Panel(
        "audit.auditor",
        _("The audit log"),
        lambda user: can(user, "audit.read"),
        _auditor_items,
        position=70,
    )
)
