"""The in-portal inbox (notifications/inbox.py, issue 14): a person finds every message
the outbox sent them, newest first, with the unread count in the header; marking them read
is one audited change, and nobody reads another person's messages."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from notifications.inbox import inbox_page, unread_count
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _sent(user) -> int:
    return Notification.objects.filter(recipient=user, status="sent").count()


def test_the_inbox_lists_what_was_sent_newest_first_page_by_page(researcher1) -> None:
    total = _sent(researcher1)
    assert total >= 2, "the demo sends researcher1 messages"
    seen, before = [], None
    while True:
        page = inbox_page(user=researcher1, before=before, limit=2)
        seen += [m.message.pk for m in page.messages]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == sorted(seen, reverse=True) and len(seen) == total


def test_the_header_counts_the_unread_and_marking_read_is_audited(client, researcher1) -> None:
    client.force_login(researcher1)
    unread = unread_count(researcher1)
    assert unread >= 1
    assert f'data-unread="{unread}"' in client.get("/").content.decode()
    response = client.post("/inbox/read/")
    assert response.status_code == 302
    assert unread_count(researcher1) == 0
    event = AuditEvent.objects.filter(action="notifications.read").latest("seq")
    assert event.data == {"count": unread} and event.actor == researcher1
    assert "data-unread" not in client.get("/").content.decode()


def test_a_person_sees_only_their_own_messages(client, researcher1) -> None:
    mine = Notification.objects.filter(status="sent").exclude(recipient=researcher1).first()
    assert mine is not None, "the demo sends others messages too"
    client.force_login(researcher1)
    html = client.get("/inbox/").content.decode()
    assert f'data-message="{mine.pk}"' not in html


def test_a_bad_cursor_is_a_400(client, researcher1) -> None:
    client.force_login(researcher1)
    assert client.get("/inbox/", {"before": "x\x00"}).status_code == 400
