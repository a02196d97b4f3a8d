"""Demo data of data_hosts: steward1's data host subscribed to the Genomics committee's
grant events, with one delivery that arrived and one that was given up, so that the
webhook pages show what they hold. Rows are written directly: the demo host's address
does not resolve here, and nothing is sent (neither delivery is pending)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from data_hosts import payloads, secrets
from data_hosts.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription

DEMO_URL = "https://data-host.example.org/dac-hooks"


def seed(ctx: dict[str, Any]) -> None:
    steward = ctx["users"]["steward1"]
    if WebhookSubscription.objects.filter(owner=steward, url=DEMO_URL).exists():
        return
    subscription = WebhookSubscription.objects.create(
        owner=steward,
        url=DEMO_URL,
        events=["grant.activated", "grant.expired", "grant.revoked", "grant.suspended"],
        secret_encrypted=secrets.seal(secrets.new_secret()),
    )
    subscription.committees.set([ctx["committee"]])
    now = timezone.now()
    for index, (event, status, code) in enumerate(
        [("grant.activated", "delivered", 204), ("grant.suspended", "failed", 503)]
    ):
        created = now - timedelta(days=2 - index)
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            message_id=f"msg_demo{index:028d}",
            event_type=event,
            payload=payloads.envelope(event, created, {"grant": "demo"}),
            status=status,
            attempts=1 if status == "delivered" else 3,
            created_at=created,
            next_attempt_at=created,
            delivered_at=created if status == "delivered" else None,
            last_status_code=code,
        )
        for attempt in range(delivery.attempts):
            DeliveryAttempt.objects.create(
                delivery=delivery,
                started_at=created + timedelta(minutes=30 * attempt),
                duration_ms=120,
                status_code=code,
            )
