"""Reading subscriptions, deliveries and the changes feed, for the pages and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.permissions import is_admin
from dac_portal.errors import NotFound
from data_hosts.models import EntitlementChange, WebhookDelivery, WebhookSubscription

FEED_PAGE = 100


def subscriptions_for(user: Any) -> QuerySet[WebhookSubscription]:
    live = WebhookSubscription.objects.filter(deleted_at__isnull=True).prefetch_related(
        "committees"
    )
    return live if is_admin(user) else live.filter(owner=user)


def subscription_get(user: Any, public_id: Any) -> WebhookSubscription:
    """404 for an id that is not the caller's (never 403: no probing for ids)."""
    found = subscriptions_for(user).filter(public_id=public_id).first()
    if found is None:
        raise NotFound("No such webhook subscription.")
    return found


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.prefetch_related("tries").order_by("-created_at", "-id")


def delivery_get(subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery:
    found = subscription.deliveries.filter(pk=delivery_id).select_related("subscription").first()
    if found is None:
        raise NotFound("No such delivery.")
    return found


def changes_after(cursor: int, limit: int = FEED_PAGE) -> list[EntitlementChange]:
    """One page of the feed: the next `limit` changes after `cursor`, by the primary key
    (one index range scan, whatever the length of the history)."""
    return list(EntitlementChange.objects.filter(pk__gt=cursor).order_by("pk")[:limit])
