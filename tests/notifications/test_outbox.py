"""The notification outbox: enqueue inside the caller's transaction, dedupe, send once,
retry after mail server failures, never lose a message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    notification_enqueue,
    notification_send,
    notify,
    outbox_flush,
)
from tests.notifications.support import enqueue_ping, sent_events, use_test_templates

pytestmark = pytest.mark.django_db

FAILING = "tests.notifications.backends.FailingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _templates(settings: Any) -> None:
    use_test_templates(settings)


def test_enqueue_renders_text_and_html_and_stores_a_pending_row(researcher1: Any) -> None:
    notification = enqueue_ping(researcher1, "ping:1", topic="<b>consent</b>")
    assert notification is not None
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.kind == "test.ping"
    assert notification.recipient == researcher1
    assert notification.subject == "Ping about <b>consent</b>"
    # Plain text is not HTML-escaped; the HTML body is.
    assert "about <b>consent</b> & friends." in notification.body_text
    assert "Ping about" not in notification.body_text.splitlines()[0]
    assert "&lt;b&gt;consent&lt;/b&gt; &amp; friends" in notification.body_html
    assert notification.context == {"topic": "<b>consent</b>"}
    assert notification.attempts == 0 and notification.sent_at is None


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused(seeded: None) -> None:
    from accounts.models import User

    researcher1 = User.objects.get(username="researcher1")
    with pytest.raises(RuntimeError):
        notification_enqueue(
            kind="test.ping", recipient=researcher1, dedupe_key="ping:x", context={}
        )
    assert not Notification.objects.filter(dedupe_key="ping:x").exists()


def test_a_duplicate_dedupe_key_inserts_nothing_and_returns_none(researcher1: Any) -> None:
    first = enqueue_ping(researcher1, "ping:dup")
    second = enqueue_ping(researcher1, "ping:dup", topic="something else")
    assert first is not None
    assert second is None
    assert Notification.objects.filter(dedupe_key="ping:dup").count() == 1


def test_a_kind_without_templates_fails_loudly(researcher1: Any) -> None:
    with pytest.raises(TemplateDoesNotExist), transaction.atomic():
        notification_enqueue(
            kind="no.such.kind", recipient=researcher1, dedupe_key="ping:none", context={}
        )
    assert not Notification.objects.filter(dedupe_key="ping:none").exists()


def test_model_instances_in_the_context_are_stored_as_references(researcher1: Any) -> None:
    with transaction.atomic():
        notification = notification_enqueue(
            kind="test.ping",
            recipient=researcher1,
            dedupe_key="ping:model",
            context={"topic": researcher1, "when": timezone.now().date()},
        )
    assert notification is not None
    assert notification.context["topic"]["model"] == "accounts.user"
    assert notification.context["topic"]["pk"] == researcher1.pk
    assert isinstance(notification.context["when"], str)


def test_after_commit_the_message_is_sent_once_and_audited(
    researcher1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = enqueue_ping(researcher1, "ping:send")
    assert len(callbacks) == 1
    assert notification is not None
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [researcher1.email]
    assert message.subject == "Ping about tests"
    assert "test message about tests" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert "<h1>Ping</h1>" in message.alternatives[0][0]
    event = sent_events("ping:send").get()
    assert event.actor is None
    assert event.actor_label == "system:notifications"
    assert event.object_type == "notification"
    assert event.object_id == str(notification.pk)
    assert event.data["kind"] == "test.ping"
    assert event.data["recipient"] == str(researcher1.public_id)


def test_a_rolled_back_change_leaves_no_notification_and_sends_nothing(
    researcher1: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue_ping(researcher1, "ping:rollback")
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.filter(dedupe_key="ping:rollback").exists()
    assert mail.outbox == []


def test_sending_an_already_sent_notification_sends_nothing_twice(researcher1: Any) -> None:
    notification = enqueue_ping(researcher1, "ping:twice")
    assert notification_send(notification_id=notification.pk).status == "sent"
    assert notification_send(notification_id=notification.pk).status == "skipped"
    assert len(mail.outbox) == 1
    assert sent_events("ping:twice").count() == 1


def test_sending_an_unknown_id_is_a_harmless_skip() -> None:
    assert notification_send(notification_id=987654321).status == "skipped"
    assert mail.outbox == []


def test_a_mail_server_failure_keeps_the_row_pending_and_it_is_retried_later(
    researcher1: Any, settings: Any
) -> None:
    notification = enqueue_ping(researcher1, "ping:smtp")
    settings.EMAIL_BACKEND = FAILING
    outcome = notification_send(notification_id=notification.pk)
    assert outcome.status == "deferred"
    assert outcome.retry_in == settings.NOTIFICATION_RETRY_BASE_SECONDS
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.attempts == 1
    assert "SMTPServerDisconnected" in notification.last_error
    assert notification.next_attempt_at is not None
    assert sent_events("ping:smtp").count() == 0

    # Before its next attempt is due the flush leaves it alone…
    settings.EMAIL_BACKEND = LOCMEM
    early = outbox_flush(timezone.now(), dry_run=False)
    assert early["sent"] == 0
    assert mail.outbox == []
    # …afterwards it is sent, once, and audited.
    later = outbox_flush(notification.next_attempt_at + timedelta(seconds=1), dry_run=False)
    assert later["sent"] == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert notification.last_error == ""
    assert len(mail.outbox) == 1
    assert sent_events("ping:smtp").get().data["attempts"] == 2


def test_retries_back_off_and_stop_at_the_attempt_limit_as_failed_not_lost(
    researcher1: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = FAILING
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = enqueue_ping(researcher1, "ping:limit")
    delays = []
    for _ in range(3):
        outcome = notification_send(notification_id=notification.pk)
        delays.append(outcome.retry_in)
    assert delays == [60, 120, None]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 3
    assert Notification.objects.filter(pk=notification.pk).exists()
    assert outbox_flush(timezone.now() + timedelta(days=1), dry_run=False)["due"] == 0


def test_a_recipient_without_an_address_is_marked_failed(researcher1: Any) -> None:
    researcher1.email = ""
    researcher1.save(update_fields=["email"])
    notification = enqueue_ping(researcher1, "ping:noaddr")
    assert notification_send(notification_id=notification.pk).status == "failed"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "no e-mail address" in notification.last_error
    assert mail.outbox == []


def test_the_flush_dry_run_lists_what_is_due_and_sends_nothing(researcher1: Any) -> None:
    a = enqueue_ping(researcher1, "ping:dry:a")
    b = enqueue_ping(researcher1, "ping:dry:b")
    result = outbox_flush(timezone.now(), dry_run=True)
    assert result["due"] >= 2
    assert {a.pk, b.pk} <= set(result["ids"])
    assert mail.outbox == []
    assert Notification.objects.filter(status="pending", pk__in=[a.pk, b.pk]).count() == 2


def test_the_send_task_sends_by_id_and_is_idempotent(researcher1: Any) -> None:
    from notifications.tasks import send_notification

    notification = enqueue_ping(researcher1, "ping:task")
    assert send_notification.apply(args=(notification.pk,)).get() == "sent"
    assert send_notification.apply(args=(notification.pk,)).get() == "skipped"
    assert len(mail.outbox) == 1
    assert send_notification.acks_late is True


def test_notify_tells_a_deactivated_account_nothing(researcher1: Any) -> None:
    researcher1.is_active = False
    with transaction.atomic():
        assert notify("test.ping", researcher1, "ping:inactive", {"topic": "t"}) is None
    assert not Notification.objects.filter(dedupe_key="ping:inactive").exists()


def test_notify_keeps_long_dedupe_keys_unique_within_the_column(researcher1: Any) -> None:
    first, second = "k" * 300 + "a", "k" * 300 + "b"
    with transaction.atomic():
        one = notify("test.ping", researcher1, first, {"topic": "t"})
        two = notify("test.ping", researcher1, second, {"topic": "t"})
        again = notify("test.ping", researcher1, first, {"topic": "t"})
    assert one is not None and two is not None and again is None
    assert len(one.dedupe_key) == 255 and one.dedupe_key != two.dedupe_key


def test_a_flush_sends_a_batch_over_one_connection_and_records_each_row(
    researcher1: Any, researcher2: Any, settings: Any
) -> None:
    from tests.notifications.backends import CountingBackend

    settings.EMAIL_BACKEND = "tests.notifications.backends.CountingBackend"
    CountingBackend.opened = 0
    researcher2.email = ""
    researcher2.save(update_fields=["email"])
    keys = [f"ping:batch:{i}" for i in range(5)]
    for key in keys:
        enqueue_ping(researcher1, key)
    enqueue_ping(researcher2, "ping:batch:noaddr")
    counts = outbox_flush(timezone.now(), dry_run=False)
    assert counts["sent"] == 5 and counts["failed"] == 1
    assert CountingBackend.opened == 1
    assert len(mail.outbox) == 5
    assert {e.data["dedupe_key"] for e in sent_events().filter(data__dedupe_key__in=keys)} == set(
        keys
    )
    sent = Notification.objects.filter(dedupe_key__in=keys)
    assert {(n.status, n.attempts, n.last_error) for n in sent} == {("sent", 1, "")}
    missing = Notification.objects.get(dedupe_key="ping:batch:noaddr")
    assert missing.status == "failed" and sent_events("ping:batch:noaddr").count() == 0


def test_an_unreachable_mail_server_defers_the_whole_batch(researcher1: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.notifications.backends.UnreachableBackend"
    for i in range(3):
        enqueue_ping(researcher1, f"ping:down:{i}")
    counts = outbox_flush(timezone.now(), dry_run=False)
    assert counts["deferred"] == 3 and counts["sent"] == 0
    rows = Notification.objects.filter(dedupe_key__startswith="ping:down:")
    assert all(
        r.status == "pending" and r.attempts == 1 and "ConnectionRefusedError" in r.last_error
        for r in rows
    )
    assert sent_events().filter(data__dedupe_key__startswith="ping:down:").count() == 0
