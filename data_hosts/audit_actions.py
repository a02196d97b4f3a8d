"""The audit actions data_hosts records, with their words (audit/registry.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register


class DataHostAudit(models.TextChoices):
    WEBHOOK_CREATED = "webhook.created", _("Webhook subscription created")
    WEBHOOK_UPDATED = "webhook.updated", _("Webhook subscription changed")
    WEBHOOK_DELETED = "webhook.deleted", _("Webhook subscription deleted")
    WEBHOOK_FAILED = "webhook.failed", _("Webhook delivery given up")
    WEBHOOK_RETRY_REQUESTED = "webhook.retry_requested", _("Webhook delivery retried by hand")


register(DataHostAudit, app="data_hosts")
