"""Webhook subscriptions, their deliveries (the outbox) and attempts, and the changes feed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Committee


class WebhookEvent(models.TextChoices):
    GRANT_ACTIVATED = "grant.activated", _("A grant became active")
    GRANT_SUSPENDED = "grant.suspended", _("A grant was suspended")
    GRANT_REINSTATED = "grant.reinstated", _("A suspended grant was reinstated")
    GRANT_REVOKED = "grant.revoked", _("A grant was revoked")
    GRANT_EXPIRED = "grant.expired", _("A grant expired")
    GRANT_CLOSED = "grant.closed", _("A grant was closed")
    CONSENT_WITHDRAWAL = "consent.withdrawal_recorded", _("A consent withdrawal was recorded")
    REQUEST_DECIDED = "request.decided", _("A committee decided on a request")
    COLLABORATOR_INVITED = "collaborator.invited", _("A collaborator was invited")
    COLLABORATOR_JOINED = "collaborator.joined", _("A collaborator accepted the invitation")
    COLLABORATOR_SIGNED = "collaborator.signed", _("A collaborator signed the agreement")
    COLLABORATOR_REMOVED = "collaborator.removed", _("A collaborator was removed")
    COLLABORATOR_LEFT = "collaborator.left", _("A collaborator left")


# A subscription may ask for every collaborator event with this one name.
COLLABORATOR_EVENTS = "collaborator.*"


class WebhookSubscription(models.Model):
    """A data host's target: the URL, the events it wants, the committees it covers (none:
    every committee, for administrators only) and the signing secret, kept encrypted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    url = models.URLField(_("target URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    committees = models.ManyToManyField(Committee, blank=True, related_name="webhook_subscriptions")
    secret_encrypted = models.BinaryField()
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Deleting keeps the row (its deliveries are the record of what was sent) and stops it.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["active"], condition=Q(deleted_at__isnull=True), name="webhook_live"
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        """The events in words, for the pages (the codes are for machines)."""
        names = dict(WebhookEvent.choices)
        return [str(names.get(event, event)) for event in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed: gave up")


class WebhookDelivery(models.Model):
    """One event for one subscription. `message_id` is the Standard Webhooks `webhook-id`:
    the same on every retry, so a host can drop what it has already seen."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Pending: when the next attempt is due (also pushed forward while one is in flight,
    # so a sender that dies mid-request leaves the row to be retried, not lost).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"

    @property
    def event_label(self) -> str:
        return str(dict(WebhookEvent.choices).get(self.event_type, self.event_type))


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


class EntitlementChange(models.Model):
    """One change of one person's entitlement to one dataset, in the order it happened.
    The id is the feed's cursor: hosts read `?after=<id>` (keyset), so a page costs the
    same however long the history."""

    grant_reference = models.CharField(max_length=14)
    user_public_id = models.UUIDField()
    dataset_accession = models.CharField(max_length=40)
    committee_id = models.BigIntegerField()
    status = models.CharField(max_length=12)
    entitled = models.BooleanField()
    ends_at = models.DateTimeField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.grant_reference} → {self.status}"
