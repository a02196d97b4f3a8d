"""The notification outbox: one row per message, written in the transaction of the change
that causes it, and sent afterwards by a worker (or by `run_jobs`).

The unique `dedupe_key` is what makes every job safe to run twice: a second attempt to queue
the same message (same kind, object and due date) inserts nothing."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=100)
    # A person of the portal, or (for an invitation to someone without an account yet)
    # only an e-mail address; never both.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notifications",
        null=True,
        blank=True,
    )
    address = models.EmailField(_("address"), blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=255, unique=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The language the stored subject and body were written in (the recipient's, when
    # queued); the inbox writes them again in the reader's language when it differs.
    language = models.CharField(_("language"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # After a failed attempt, the earliest time the outbox flush tries again (backoff).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When the recipient marked it read in the portal's inbox (notifications/inbox.py).
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # The audit event (seq) whose transparency receipt travels with the message as a JSON
    # attachment (a decision's: audit/receipts.py); built when the message is sent, so that
    # a tree head covers it.
    receipt_seq = models.PositiveBigIntegerField(_("receipt event"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The person whose action queued the message; empty for jobs."),
    )

    audit_type = "notification"

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The outbox flush reads pending rows in order of their next attempt.
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="notification_pending_idx",
                condition=Q(status="pending"),
            ),
            # The inbox: a person's messages newest first, and their unread count.
            models.Index(fields=["recipient", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True, status="sent"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=False, address="")
                | Q(recipient__isnull=True) & ~Q(address=""),
                name="notification_person_or_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id or self.address} ({self.status})"

    @property
    def to_address(self) -> str:
        return self.recipient.email if self.recipient is not None else self.address

    @property
    def audit_id(self) -> str:
        return str(self.pk)
