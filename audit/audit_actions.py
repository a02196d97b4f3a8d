"""The audit log's own actions, with their words (audit/registry.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.registry import register


class LogAudit(models.TextChoices):
    AUDIT_CHECKPOINT = "audit.checkpoint", _("Log checkpoint signed")
    AUDIT_EXPORTED = "audit.exported", _("Log exported")
    AUDIT_VERIFIED = "audit.verified", _("Log verified")
    TREE_HEAD_SIGNED = "audit.tree_head_signed", _("Transparency log tree head signed")
    RECEIPT_ISSUED = "audit.receipt_issued", _("Receipt issued")


def _checkpoint(data: Mapping[str, Any]) -> str:
    seq = data.get("seq")
    return gettext("up to event %(seq)s") % {"seq": seq} if seq is not None else ""


def _tree_head(data: Mapping[str, Any]) -> str:
    size = data.get("tree_size")
    return gettext("a tree of %(size)s events") % {"size": size} if size is not None else ""


def _receipt(data: Mapping[str, Any]) -> str:
    decision = data.get("decision_event") or {}
    seq = decision.get("seq") if isinstance(decision, Mapping) else None
    return gettext("for event %(seq)s") % {"seq": seq} if seq is not None else ""


register(
    LogAudit,
    app="audit",
    describers={
        LogAudit.AUDIT_CHECKPOINT: _checkpoint,
        LogAudit.TREE_HEAD_SIGNED: _tree_head,
        LogAudit.RECEIPT_ISSUED: _receipt,
    },
)
