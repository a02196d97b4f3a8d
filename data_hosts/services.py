"""The state changes of data_hosts, each in one transaction with its audit event:
subscriptions (create, change, delete), the outbox (queue, attempt, give up, retry by
hand) and the changes feed. docs/data-hosts.md tells the story."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Committee
from accounts.permissions import can, is_admin
from agreements import selectors as agreement_selectors
from agreements.models import CollaboratorAccess, CollaboratorStatus, Grant
from audit.services import audit_record
from dac_portal.errors import Conflict, PermissionDenied, ValidationError
from data_hosts import dispatch, payloads, secrets, sending, targets
from data_hosts.audit_actions import DataHostAudit
from data_hosts.models import (
    COLLABORATOR_EVENTS,
    DeliveryAttempt,
    DeliveryStatus,
    EntitlementChange,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

EVENT_TYPES = {e.value for e in WebhookEvent}
COLLABORATOR_EVENT_TYPES = {e for e in EVENT_TYPES if e.startswith("collaborator.")}


# -- subscriptions --------------------------------------------------------------------------


def _clean(
    actor: Any, url: Any, events: Any, committees: Any
) -> tuple[str, list[str], list[Committee]]:
    errors: dict[str, list[str]] = {}
    url = str(url or "").strip()
    try:
        targets.check(url)
    except targets.UnsafeTarget as exc:
        errors["url"] = [str(exc)]
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors["events"] = ["Name at least one event."]
        events = []
    if COLLABORATOR_EVENTS in events:
        events = [e for e in events if e != COLLABORATOR_EVENTS] + sorted(COLLABORATOR_EVENT_TYPES)
    unknown = sorted(set(events) - EVENT_TYPES)
    if unknown:
        errors["events"] = [f"Unknown events: {', '.join(unknown)}."]
    chosen = _committees(actor, committees, errors)
    if errors:
        raise ValidationError("The subscription is not valid.", details=errors)
    return url, sorted(set(events)), chosen


def _committees(actor: Any, slugs: Any, errors: dict[str, list[str]]) -> list[Committee]:
    if slugs in (None, ""):
        slugs = []
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        errors["committees"] = ["A list of committee slugs."]
        return []
    found = list(Committee.objects.filter(slug__in=slugs))
    if len(found) != len(set(slugs)):
        errors["committees"] = ["Unknown committee."]
        return []
    if is_admin(actor):
        return found
    if not found:
        errors["committees"] = ["Name the committees whose datasets you steward."]
    elif not all(can(actor, "committee.steward", c) for c in found):
        raise PermissionDenied("You may subscribe only to the committees you steward.")
    return found


def subscription_create(
    *, actor: Any, url: Any, events: Any, committees: Any = None, secret: Any = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (given, or made here and shown this once)."""
    if not can(actor, "webhook.create"):
        raise PermissionDenied("Only data stewards and administrators keep webhooks.")
    url, events, chosen = _clean(actor, url, events, committees)
    if secret in (None, ""):
        secret = secrets.new_secret()
    elif not isinstance(secret, str) or not secrets.is_valid(secret):
        raise ValidationError(
            "The secret is not valid.",
            details={"secret": ["A Standard Webhooks secret: whsec_ and base64 of 24-64 bytes."]},
        )
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            owner=actor, url=url, events=events, secret_encrypted=secrets.seal(secret)
        )
        subscription.committees.set(chosen)
        audit_record(
            actor=actor,
            action=DataHostAudit.WEBHOOK_CREATED,
            target=("webhook", subscription.public_id),
            data={"url": url, "events": events, "committees": sorted(c.slug for c in chosen)},
        )
    return subscription, secret


def subscription_update(
    *, subscription: WebhookSubscription, actor: Any, changes: dict[str, Any]
) -> WebhookSubscription:
    unknown = sorted(set(changes) - {"url", "events", "committees", "active"})
    if unknown:
        raise ValidationError(
            "Unknown fields.", details={f: ["Not a field you may change."] for f in unknown}
        )
    with transaction.atomic():
        locked = _locked(subscription, actor)
        current = [c.slug for c in locked.committees.all()]
        url, events, chosen = _clean(
            actor,
            changes.get("url", locked.url),
            changes.get("events", locked.events),
            changes.get("committees", current),
        )
        active = changes.get("active", locked.active)
        if not isinstance(active, bool):
            raise ValidationError("Not valid.", details={"active": ["true or false."]})
        locked.url, locked.events, locked.active = url, events, active
        locked.updated_at = timezone.now()
        locked.save(update_fields=["url", "events", "active", "updated_at"])
        locked.committees.set(chosen)
        audit_record(
            actor=actor,
            action=DataHostAudit.WEBHOOK_UPDATED,
            target=("webhook", locked.public_id),
            data={"changed": sorted(changes)},
        )
    return locked


def subscription_delete(*, subscription: WebhookSubscription, actor: Any) -> None:
    """Stops the subscription; its deliveries stay as the record of what was sent."""
    with transaction.atomic():
        locked = _locked(subscription, actor)
        locked.deleted_at = timezone.now()
        locked.active = False
        locked.save(update_fields=["deleted_at", "active"])
        WebhookDelivery.objects.filter(subscription=locked, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, last_error="subscription deleted"
        )
        audit_record(
            actor=actor,
            action=DataHostAudit.WEBHOOK_DELETED,
            target=("webhook", locked.public_id),
            data={"url": locked.url},
        )


def _locked(subscription: WebhookSubscription, actor: Any) -> WebhookSubscription:
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if locked.deleted_at is not None:
        raise Conflict("The subscription was deleted.")
    if not can(actor, "webhook.manage", locked):
        raise PermissionDenied("Only its owner or an administrator may change it.")
    return locked


# -- the outbox ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    type: str
    committee_id: int | None
    data: dict[str, Any]


def _live_subscriptions() -> list[tuple[WebhookSubscription, set[int]]]:
    live = WebhookSubscription.objects.filter(
        active=True, deleted_at__isnull=True
    ).prefetch_related("committees")
    return [(s, {c.pk for c in s.committees.all()}) for s in live]


def queue(events: Iterable[Event], now: datetime) -> list[int]:
    """Outbox rows, one per (subscription, event) that wants it, in the caller's
    transaction; their first send is scheduled for after the commit. Two queries however
    many events (a whole expiry sweep is one call)."""
    events = list(events)
    if not events:
        return []
    subscriptions = _live_subscriptions()
    rows = [
        WebhookDelivery(
            subscription=subscription,
            message_id=f"msg_{uuid.uuid4().hex}",
            event_type=event.type,
            payload=payloads.envelope(event.type, now, event.data),
            created_at=now,
            next_attempt_at=now,
        )
        for event in events
        for subscription, committees in subscriptions
        if event.type in subscription.events
        and (not committees or event.committee_id in committees)
    ]
    if not rows:
        return []
    created = WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    transaction.on_commit(lambda: dispatch.schedule(ids, send_in_process=delivery_attempt))
    return ids


def _feed_row(grant: Grant, user: Any, status: str, entitled: bool, now: datetime) -> Any:
    return EntitlementChange(
        grant_reference=grant.reference,
        user_public_id=user.public_id,
        dataset_accession=grant.dataset.accession,
        committee_id=grant.committee_id,
        status=status,
        entitled=entitled,
        ends_at=grant.ends_at,
        occurred_at=now,
    )


def grant_changes_record(changes: tuple[tuple[int, str, str], ...]) -> None:
    """The changes feed and the webhooks of grants that moved (agreements' event): one
    row and one event for each person the grant covers (the holder and the collaborators
    who signed). Four queries for any number of grants."""
    now = timezone.now()
    grants = {
        g.pk: g
        for g in Grant.objects.filter(pk__in=[pk for pk, _old, _new in changes]).select_related(
            "holder", "dataset", "committee", "access_request"
        )
    }
    people = agreement_selectors.covered_people(list(grants))
    moves = [
        (pk, old, new, user, role)
        for pk, old, new in changes
        for user, role in people.get(pk, [(grants[pk].holder, "holder")])
    ]
    feed = EntitlementChange.objects.bulk_create(
        _feed_row(grants[pk], user, new, new in payloads.ENTITLED, now)
        for pk, _old, new, user, _role in moves
    )
    events = []
    for (pk, old, new, user, role), change in zip(moves, feed, strict=True):
        event_type = payloads.grant_event_type(old, new)
        if event_type is not None:
            grant = grants[pk]
            data = payloads.grant_data(grant, old, new, change.pk, user=user, role=role)
            events.append(Event(event_type, grant.committee_id, data))
    queue(events, now)


def collaborator_change_record(access_id: int, old: str, new: str, happened: str) -> None:
    """A collaborator's move (agreements' event): the `collaborator.*` webhook for each
    committee of the request, and where their coverage began (signed) or ended (removed,
    left) on a grant that holds data, that person's row in the feed and their
    `grant.activated` or `grant.revoked`."""
    now = timezone.now()
    access = CollaboratorAccess.objects.select_related("access_request", "user").get(pk=access_id)
    grants = list(
        Grant.objects.filter(access_request_id=access.access_request_id)
        .select_related("dataset", "committee", "access_request", "holder")
        .order_by("id")
    )
    # Every approved request has grants; a request's own committee is the fallback.
    committees = sorted({g.committee_id for g in grants}) or [
        c for c in [access.access_request.committee_id] if c is not None
    ]
    events = []
    if happened in EVENT_TYPES:
        data = payloads.collaborator_data(access, old, new)
        events += [Event(happened, committee_id, data) for committee_id in committees]
    signed = CollaboratorStatus.SIGNED.value
    if access.user is not None and (old == signed) != (new == signed):
        events += _coverage_moves(access, grants, began=new == signed, now=now)
    queue(events, now)


def _coverage_moves(access: Any, grants: list[Grant], *, began: bool, now: datetime) -> list[Event]:
    """One person's coverage began or ended while the grants stayed as they are: hosts
    hear it as that person's grant.activated (active grants only) or grant.revoked (any
    grant that gave or may again give access)."""
    holding = [g for g in grants if g.status in payloads.HOLDING]
    touched = [g for g in holding if g.status in payloads.ENTITLED] if began else holding
    feed = EntitlementChange.objects.bulk_create(
        _feed_row(g, access.user, g.status if began else "revoked", began, now) for g in touched
    )
    event_type = WebhookEvent.GRANT_ACTIVATED if began else WebhookEvent.GRANT_REVOKED
    return [
        Event(
            event_type,
            g.committee_id,
            payloads.grant_data(
                g,
                "pending" if began else g.status,
                g.status if began else "revoked",
                change.pk,
                user=access.user,
                role="collaborator",
            ),
        )
        for g, change in zip(touched, feed, strict=True)
    ]


# -- sending -------------------------------------------------------------------------------


def _retry_delay(attempts: int) -> timedelta:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_MAX_SECONDS)
    )


def _claim(delivery_id: int, now: datetime, *, force: bool) -> WebhookDelivery | None:
    """Take the row for one attempt: a lease (next_attempt_at pushed forward) committed
    before the request goes out, so two senders never send at once and a sender that
    dies mid-request leaves the row due again when the lease ends."""
    with transaction.atomic():
        due = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            pk=delivery_id, status=DeliveryStatus.PENDING
        )
        if not force:
            due = due.filter(next_attempt_at__lte=now)
        delivery = due.select_related("subscription").first()
        if delivery is None:
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def delivery_attempt(delivery_id: int, *, force: bool = False, now: datetime | None = None) -> str:
    """One attempt at one delivery: `delivered`, `deferred` (retried later), `failed`
    (given up after WEBHOOK_RETRY_HOURS) or `skipped` (not due, or taken by another).
    `now` is the flush job's time (a job run with --at acts as of then)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now, force=force)
    if delivery is None:
        return "skipped"
    sent = _send(delivery, secrets.unseal(delivery.subscription.secret_encrypted))
    [outcome] = _record_many([(delivery, sent)], now, now)
    return outcome


def _send(delivery: WebhookDelivery, secret: str) -> sending.Sent:
    return sending.send(
        url=delivery.subscription.url,
        secret=secret,
        message_id=delivery.message_id,
        payload=delivery.payload,
        # The signature's timestamp is the real time of sending: hosts reject old ones.
        at=timezone.now(),
    )


RECORD_CHUNK = 50


def _outcome(delivery: WebhookDelivery, sent: sending.Sent, now: datetime) -> str:
    """Set what the answer means on the delivery (not saved): delivered, deferred with its
    backoff, or failed once the retry window has passed."""
    delivery.last_status_code = sent.status_code
    delivery.last_error = sent.error
    if sent.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        return "delivered"
    if now - delivery.created_at < timedelta(hours=settings.WEBHOOK_RETRY_HOURS):
        delivery.next_attempt_at = now + _retry_delay(delivery.attempts)
        return "deferred"
    delivery.status = DeliveryStatus.FAILED
    return "failed"


def _record_many(
    results: list[tuple[WebhookDelivery, sending.Sent]], started: datetime, now: datetime
) -> list[str]:
    """The attempts and what they mean, in one transaction for a chunk of answers. An
    arrival is recorded on the delivery and its attempt (the outbox is its own record,
    shown on the delivery page); giving up is a portal event and is audited."""
    outcomes = [_outcome(delivery, sent, now) for delivery, sent in results]
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=delivery,
                started_at=started,
                duration_ms=sent.duration_ms,
                status_code=sent.status_code,
                error=sent.error,
            )
            for delivery, sent in results
        )
        WebhookDelivery.objects.bulk_update(
            [delivery for delivery, _sent in results],
            ["last_status_code", "last_error", "status", "next_attempt_at", "delivered_at"],
        )
        for (delivery, sent), outcome in zip(results, outcomes, strict=True):
            if outcome == "failed":
                audit_record(
                    actor=None,
                    system="data_hosts.webhooks",
                    action=DataHostAudit.WEBHOOK_FAILED,
                    target=("webhook", delivery.subscription.public_id),
                    data={
                        "message_id": delivery.message_id,
                        "event": delivery.event_type,
                        "attempts": delivery.attempts,
                        "status_code": sent.status_code,
                        "error": sent.error[:100],
                    },
                )
    return outcomes


def deliveries_flush(now: datetime, *, dry_run: bool) -> dict[str, Any]:
    """Every pending delivery that is due (retries, and first sends the broker missed).

    One transaction leases the whole batch (rows another sender holds are skipped). Each
    subscription's deliveries then go out one after another, in the order they were made
    (a host hears "suspended" before "revoked"), while different subscriptions are served
    side by side, WEBHOOK_SEND_CONCURRENCY at a time (threads doing HTTP only). Answers are
    recorded in chunks of RECORD_CHUNK: should the sender die before recording, the leased
    rows are sent again under the same ids, which hosts drop (at least once, by id)."""
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if dry_run:
        return {"due": due.count()}
    lease = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with transaction.atomic():
        batch = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .order_by("next_attempt_at", "id")[: settings.WEBHOOK_FLUSH_BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in batch]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease
        )
    by_subscription: dict[int, list[WebhookDelivery]] = {}
    for delivery in sorted(batch, key=lambda d: (d.created_at, d.pk)):
        delivery.attempts += 1
        by_subscription.setdefault(delivery.subscription_id, []).append(delivery)
    keys = {d.subscription_id: secrets.unseal(d.subscription.secret_encrypted) for d in batch}

    def send_in_order(
        deliveries: list[WebhookDelivery],
    ) -> list[tuple[WebhookDelivery, sending.Sent]]:
        return [(d, _send(d, keys[d.subscription_id])) for d in deliveries]

    outcomes: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=settings.WEBHOOK_SEND_CONCURRENCY) as pool:
        for results in pool.map(send_in_order, by_subscription.values()):
            for chunk_start in range(0, len(results), RECORD_CHUNK):
                chunk = results[chunk_start : chunk_start + RECORD_CHUNK]
                for outcome in _record_many(chunk, now, now):
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def delivery_retry_now(*, delivery: WebhookDelivery, actor: Any) -> str:
    """*Retry now* on the delivery page: a pending or failed delivery is sent again at once
    (a failed one becomes pending again, with a fresh 24-hour window)."""
    if not can(actor, "webhook.manage", delivery.subscription):
        raise PermissionDenied("Only its owner or an administrator may retry it.")
    if delivery.status == DeliveryStatus.DELIVERED:
        raise Conflict("This delivery has arrived already.")
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.subscription.deleted_at is not None:
            raise Conflict("The subscription was deleted.")
        if locked.status == DeliveryStatus.FAILED:
            locked.status = DeliveryStatus.PENDING
            locked.created_at = timezone.now()
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "created_at", "next_attempt_at"])
        audit_record(
            actor=actor,
            action=DataHostAudit.WEBHOOK_RETRY_REQUESTED,
            target=("webhook", locked.subscription.public_id),
            data={"message_id": locked.message_id},
        )
    return delivery_attempt(delivery.pk, force=True)
