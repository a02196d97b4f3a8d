"""Writes to the notification outbox: queue a message, send one, flush the pending ones.

Other apps call `notification_enqueue(...)` inside the transaction of the change that causes
the message; the row is then part of that change (rolled back with it) and its sending is
scheduled for after the commit. Sending is at-least-once towards the mail server and
exactly-once in the outbox: the row is locked while it is sent and marked sent in the same
transaction as its `notification.sent` audit event.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from accounts.language import language_of
from accounts.models import User
from audit.models import AuditEvent
from audit.receipts import receipt_document, receipt_filename
from audit.services import audit_record_many
from notifications import dispatch
from notifications.audit_actions import NotificationAudit
from notifications.models import Notification
from notifications.rendering import render_message_in

# How many rows one flush transaction claims and sends over one mail connection.
FLUSH_CHUNK = 100

# Notification.dedupe_key's max_length.
DEDUPE_KEY_LENGTH = 255

logger = logging.getLogger(__name__)

SYSTEM = "notifications"


class _ContextEncoder(DjangoJSONEncoder):
    """The stored context is a record of what was rendered, not a way to re-render it:
    model instances are kept as their label and key, anything else unknown as text."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Model):
            return {"model": o._meta.label_lower, "pk": o.pk, "str": str(o)}
        try:
            return super().default(o)
        except TypeError:
            return str(o)


@dataclass(frozen=True)
class Addressee:
    """Someone without an account, known by name and e-mail address (an invited
    collaborator): the templates greet them as they greet a person."""

    name: str
    email: str

    @property
    def username(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.name


def notification_enqueue(
    *,
    kind: str,
    recipient: User | Addressee,
    dedupe_key: str,
    context: dict[str, Any],
    actor: User | None = None,
    receipt_seq: int | None = None,
) -> Notification | None:
    """Queue one message in the outbox, inside the caller's transaction.

    `dedupe_key` names the message uniquely, e.g. "grant.expiry_reminder:GR-…:2026-12-01";
    if a row with that key exists (or is being inserted by a concurrent transaction that
    then commits), nothing is inserted and None is returned. Otherwise the message is
    rendered from templates/notifications/<kind>.txt and .html with `context` (plus
    `recipient` and `portal_url`), stored, and its sending scheduled after the commit.
    """
    db = router.db_for_write(Notification)
    if not connections[db].in_atomic_block:
        raise RuntimeError("notification_enqueue must run inside the caller's transaction.")
    if not dedupe_key or len(dedupe_key) > DEDUPE_KEY_LENGTH:
        raise ValueError("A notification needs a dedupe key of 1 to 255 characters.")
    if Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None

    # In the recipient's own language (someone without an account: the portal's).
    language = language_of(recipient)
    subject, body_text, body_html = render_message_in(
        language, kind, context, recipient=recipient, receipt_seq=receipt_seq
    )
    stored_context = json.loads(json.dumps(context, cls=_ContextEncoder))

    try:
        # The savepoint keeps the caller's transaction usable when a concurrent transaction
        # inserted the same key first (PostgreSQL waits for it, then reports the conflict).
        with transaction.atomic(using=db):
            notification = Notification.objects.create(
                kind=kind,
                recipient=None if isinstance(recipient, Addressee) else recipient,
                address=recipient.email if isinstance(recipient, Addressee) else "",
                dedupe_key=dedupe_key,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                context=stored_context,
                language=language,
                created_by=actor,
                receipt_seq=receipt_seq,
            )
    except IntegrityError:
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    # After the commit, so that the change is saved whatever the broker does; robust, so that
    # nothing raised there can turn the saved change into an error or skip the callbacks of
    # the other messages (the row is pending either way, and the flush sends it).
    transaction.on_commit(
        lambda: dispatch.schedule_send(notification.pk, send_in_process=_send_by_id),
        using=db,
        robust=True,
    )
    return notification


@dataclass(frozen=True)
class SendOutcome:
    """What one send attempt did: `sent`, `deferred` (mail server failed; retried later),
    `failed` (given up: see last_error) or `skipped` (already sent, or being sent)."""

    status: str
    notification_id: int
    retry_in: float | None = None


def notify(
    kind: str,
    recipient: User,
    dedupe_key: str,
    context: dict[str, Any],
    actor: User | None = None,
    *,
    receipt_seq: int | None = None,
) -> Notification | None:
    """The one way a service tells a person something, inside its transaction: a
    deactivated account is told nothing, and a dedupe key longer than the column keeps its
    start and gains a digest of the whole, so it stays unique. `receipt_seq`: the receipt
    event whose receipt is attached (audit/receipts.py)."""
    if not recipient.is_active:
        return None
    return notification_enqueue(
        kind=kind,
        recipient=recipient,
        dedupe_key=_fitted(dedupe_key),
        context=context,
        actor=actor,
        receipt_seq=receipt_seq,
    )


def notify_address(
    kind: str,
    addressee: Addressee,
    dedupe_key: str,
    context: dict[str, Any],
    actor: User | None = None,
) -> Notification | None:
    """Tell someone who has no account yet (an invitation), inside the caller's
    transaction; sent and retried like every other message."""
    return notification_enqueue(
        kind=kind,
        recipient=addressee,
        dedupe_key=_fitted(dedupe_key),
        context=context,
        actor=actor,
    )


def _fitted(dedupe_key: str) -> str:
    """A dedupe key longer than the column keeps its start and gains a digest of the
    whole, so it stays unique."""
    if len(dedupe_key) > DEDUPE_KEY_LENGTH:
        digest = hashlib.sha256(dedupe_key.encode()).hexdigest()
        return f"{dedupe_key[: DEDUPE_KEY_LENGTH - len(digest) - 1]}#{digest}"
    return dedupe_key


def _send_by_id(notification_id: int) -> SendOutcome:
    return notification_send(notification_id=notification_id)


def _backoff(attempts: int) -> timedelta:
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    cap = settings.NOTIFICATION_RETRY_MAX_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _claim(ids: list[int]) -> list[Notification]:
    """Lock the still-pending rows among `ids` (SKIP LOCKED: a row another worker is
    sending is left to it), oldest first. Inside the caller's transaction."""
    return list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk__in=ids, status=Notification.Status.PENDING)
        .order_by("created_at", "id")
    )


def _message(notification: Notification) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_address],
        headers={"X-DAC-Notification": notification.dedupe_key[:200]},
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    if notification.receipt_seq is not None:
        event = AuditEvent.objects.get(seq=notification.receipt_seq)
        receipt = receipt_document(event, now=timezone.now())
        message.attach(
            receipt_filename(event),
            json.dumps(receipt, indent=2, ensure_ascii=False) + "\n",
            "application/json",
        )
    return message


def _failed_to_send(notification: Notification, exc: BaseException, now: datetime) -> SendOutcome:
    """A mail server failure: recorded on the row, which stays pending with a backoff (or
    fails for good after the last attempt); the flush tries it again."""
    notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    logger.warning(
        "notification %s (%s) attempt %s failed: %s",
        notification.pk,
        notification.kind,
        notification.attempts,
        notification.last_error,
    )
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
        notification.next_attempt_at = None
        return SendOutcome("failed", notification.pk)
    delay = _backoff(notification.attempts)
    notification.next_attempt_at = now + delay
    return SendOutcome("deferred", notification.pk, delay.total_seconds())


def _send_one(mail: Any, notification: Notification, now: datetime) -> SendOutcome:
    """Send one claimed row over the open connection `mail` (None: the mail server could not
    be reached) and set what its row records; saving is the caller's, for the batch."""
    notification.attempts += 1
    if not notification.to_address:
        notification.status = Notification.Status.FAILED
        notification.last_error = "The recipient has no e-mail address."
        logger.warning("notification %s: recipient has no e-mail address", notification.pk)
        return SendOutcome("failed", notification.pk)
    try:
        if isinstance(mail, BaseException):
            raise mail
        mail.send_messages([_message(notification)])
    except Exception as exc:  # any transport error: keep the row, retry later
        return _failed_to_send(notification, exc, now)
    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.last_error = ""
    notification.next_attempt_at = None
    return SendOutcome("sent", notification.pk)


def _sent_event(notification: Notification) -> dict[str, Any]:
    recipient = notification.recipient
    return {
        "kind": notification.kind,
        "recipient": str(recipient.public_id) if recipient else "address",
        "dedupe_key": notification.dedupe_key,
        "attempts": notification.attempts,
    }


def _deliver(rows: list[Notification]) -> list[SendOutcome]:
    """Send claimed rows over one mail connection, then record them in a fixed number of
    statements: one UPDATE for the rows, one append of their `notification.sent` events.
    Inside the caller's transaction, which holds the rows' locks."""
    now = timezone.now()
    mail: Any = get_connection(fail_silently=False)
    try:
        mail.open()  # once for the batch (BaseEmailBackend's; SMTP connects here)
    except Exception as exc:  # an unreachable mail server: every row is retried later
        mail = exc
    try:
        outcomes = [_send_one(mail, row, now) for row in rows]
    finally:
        if not isinstance(mail, BaseException):
            mail.close()
    sent = [row for row, outcome in zip(rows, outcomes, strict=True) if outcome.status == "sent"]
    others = [row for row in rows if row.status != Notification.Status.SENT]
    if sent:
        # The sent rows all record the same: one plain UPDATE (a CASE per row and field,
        # as bulk_update writes, costs more than the send).
        Notification.objects.filter(pk__in=[row.pk for row in sent]).update(
            status=Notification.Status.SENT,
            attempts=F("attempts") + 1,
            sent_at=now,
            last_error="",
            next_attempt_at=None,
        )
    if others:
        Notification.objects.bulk_update(
            others, ["status", "attempts", "sent_at", "last_error", "next_attempt_at"]
        )
    if sent:
        audit_record_many(
            actor=None,
            system=SYSTEM,
            action=NotificationAudit.NOTIFICATION_SENT,
            items=[(row, _sent_event(row)) for row in sent],
        )
    return outcomes


def notification_send(*, notification_id: int) -> SendOutcome:
    """Send one pending notification, once (the Celery task's path).

    The row is locked with SKIP LOCKED, so a second worker (the Celery task and the outbox
    flush racing, or two flushes) skips it instead of sending it again; a row that is no
    longer pending is left alone. A mail server failure is recorded on the row (attempts,
    last error, next attempt) and the row stays pending, so the flush retries it later.
    """
    with transaction.atomic():
        rows = _claim([notification_id])
        if not rows:
            return SendOutcome("skipped", notification_id)
        return _deliver(rows)[0]


def pending_due(now: datetime) -> list[int]:
    """Ids of the pending notifications whose (next) attempt is due as of `now`."""
    return list(
        Notification.objects.filter(status=Notification.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("created_at", "id")
        .values_list("id", flat=True)[: settings.NOTIFICATION_FLUSH_BATCH]
    )


def outbox_flush(now: datetime, *, dry_run: bool = False) -> dict[str, Any]:
    """The periodic job `notifications.flush_outbox`: send every pending notification that
    is due, so that a lost task, a worker that was down or a mail server that failed
    catches up. Safe to run concurrently with itself and with the send tasks."""
    due = pending_due(now)
    if dry_run:
        return {"due": len(due), "ids": due[:50]}
    counts = {"due": len(due), "sent": 0, "deferred": 0, "failed": 0, "skipped": 0}
    # In chunks, each one transaction over one mail connection: a chunk's rows stay locked
    # only while that chunk is sent, and one slow chunk does not hold the whole backlog.
    for start in range(0, len(due), FLUSH_CHUNK):
        chunk = due[start : start + FLUSH_CHUNK]
        with transaction.atomic():
            rows = _claim(chunk)
            outcomes = _deliver(rows) if rows else []
        counts["skipped"] += len(chunk) - len(rows)
        for outcome in outcomes:
            counts[outcome.status] += 1
    return counts
