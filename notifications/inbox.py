"""The in-portal inbox (issue 14): every message the outbox sent to a person, newest
first, read or unread, with the unread count in the header. The e-mail stays the way a
message reaches people; the inbox is where they find it again.

Reading is cheap: one index range scan per page (notification_inbox_idx, keyset on id) and
a capped count on a partial index of the unread (notification_unread_idx). Marking read is
a state change: one service, audited, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone, translation

from audit.services import audit_record
from notifications.audit_actions import NotificationAudit
from notifications.models import Notification
from notifications.rendering import render_message_in

PAGE_SIZE = 25
UNREAD_CAP = 99


@dataclass(frozen=True)
class Reading:
    """A message as its reader reads it in the inbox."""

    message: Notification
    subject: str
    body_text: str


@dataclass(frozen=True)
class InboxPage:
    messages: list[Reading]
    next_before: int | None


def _mine(user: Any) -> Any:
    return Notification.objects.filter(recipient=user, status=Notification.Status.SENT)


def inbox_page(*, user: Any, before: int | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """A page of the person's sent messages, newest first (keyset on id), each in the
    active language (`in_reader_language`)."""
    messages = _mine(user).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(
        messages.only(
            "id",
            "kind",
            "subject",
            "body_text",
            "context",
            "language",
            "receipt_seq",
            "sent_at",
            "read_at",
        )[: limit + 1]
    )
    more = len(rows) > limit
    language = translation.get_language() or settings.LANGUAGE_CODE
    readings = [in_reader_language(row, user, language) for row in rows[:limit]]
    return InboxPage(readings, rows[limit - 1].pk if more else None)


def unread_count(user: Any) -> int:
    """Up to UNREAD_CAP + 1 (the header shows "99+")."""
    return int(_mine(user).filter(read_at__isnull=True).order_by()[: UNREAD_CAP + 1].count())


def notifications_mark_read(*, user: Any, actor: Any) -> int:
    """Mark every unread message of `user` read; one audit event with how many."""
    with transaction.atomic():
        count = _mine(user).filter(read_at__isnull=True).update(read_at=timezone.now())
        if count:
            audit_record(
                actor=actor,
                action=NotificationAudit.NOTIFICATIONS_READ,
                target=user,
                data={"count": count},
            )
    return count


def in_reader_language(message: Notification, reader: Any, language: str) -> Reading:
    """The message in `language` (issue 22): as stored when it was written in it, else
    written again from its template and stored context. The stored context keeps what the
    template needs for the portal's messages (tests/notifications/test_reading.py renders
    every kind again); should a template need more than was kept, the stored text is shown
    rather than a wrong one."""
    if not message.kind or not message.language or message.language == language:
        return Reading(message, message.subject, message.body_text)
    try:
        subject, body_text, _html = render_message_in(
            language,
            message.kind,
            message.context,
            recipient=reader,  # the inbox shows a person their own messages
            receipt_seq=message.receipt_seq,
        )
    except (TemplateDoesNotExist, TemplateSyntaxError, ValueError):
        return Reading(message, message.subject, message.body_text)
    return Reading(message, subject, body_text)
