"""The audit action notifications records, with its words (audit/registry.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register


class NotificationAudit(models.TextChoices):
    NOTIFICATION_SENT = "notification.sent", _("E-mail sent")
    NOTIFICATIONS_READ = "notifications.read", _("Messages marked read")


register(NotificationAudit, app="notifications")
