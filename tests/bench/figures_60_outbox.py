"""The notification outbox: how fast the flush drains it, against sending the same
messages straight through Django's mail API (no outbox, no lock, no audit event), and the
queries a flush spends (must not grow with the size of the batch: the rows of a chunk are
claimed, updated and audited in a fixed number of statements)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from unittest import mock

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from tests.bench.harness import Bench, Figure, timed

MESSAGES = 400


def _enqueue(count: int, tag: str) -> list[int]:
    from accounts.models import User
    from notifications.services import notification_enqueue

    users = list(User.objects.exclude(email="").order_by("username"))
    ids = []
    for i in range(count):
        with transaction.atomic():
            n = notification_enqueue(
                kind="test.ping",
                recipient=users[i % len(users)],
                dedupe_key=f"bench:{tag}:{i}",
                context={"topic": f"bench {i}"},
            )
            assert n is not None
            ids.append(n.pk)
    return ids


def _direct_send(count: int) -> None:
    for i in range(count):
        message = EmailMultiAlternatives(
            subject=f"Ping about bench {i}", body="body", to=["someone@example.org"]
        )
        message.attach_alternative("<p>body</p>", "text/html")
        message.send()


def run(bench: Bench) -> Iterator[Figure]:
    from django.conf import settings

    from notifications import dispatch
    from notifications.models import Notification
    from notifications.services import outbox_flush
    from tests.notifications.support import TEMPLATES_DIR

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEMPLATES_DIR]
    run_id = uuid.uuid4().hex[:8]
    with (
        override_settings(
            TEMPLATES=templates, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ),
        # Measure the outbox alone: nothing is handed to a broker after each commit.
        mock.patch.object(dispatch, "schedule_send", lambda notification_id, **_: None),
    ):
        # Leave nothing pending, so the flush sends exactly this run's rows: neither earlier
        # runs' nor the demo data's (on a fresh database the flush also sent those, with
        # their full templates, and the rate fell to a third).
        Notification.objects.filter(status="pending").update(status="failed")
        _ids, enqueue_seconds = timed(_enqueue, MESSAGES, f"{run_id}:rate")
        _none, direct_seconds = timed(_direct_send, MESSAGES)
        result, flush_seconds = timed(outbox_flush, timezone.now(), dry_run=False)
        if result["sent"] < MESSAGES:
            raise RuntimeError(f"the flush sent {result['sent']} of {MESSAGES}")
        direct_rate = MESSAGES / direct_seconds
        yield Figure(
            "outbox flush notifications sent/s (lock, send, audit event)",
            result["sent"] / flush_seconds,
            "msg/s",
            floor=direct_rate,
            target="≥ 0.3 of the floor",
            extra={"floor_of": "the same e-mails sent directly, without the outbox"},
        )
        yield Figure(
            "outbox enqueue notifications/s (render, insert)", MESSAGES / enqueue_seconds, "msg/s"
        )

        per_flush = {}
        for size in (10, 100):
            _enqueue(size, f"{run_id}:q{size}")
            with CaptureQueriesContext(connection) as queries:
                sent = outbox_flush(timezone.now(), dry_run=False)["sent"]
            if sent != size:
                raise RuntimeError(f"the flush sent {sent} of {size}")
            per_flush[size] = len(queries)
        # One transaction per chunk of up to 100 rows: claim, one UPDATE, one append of the
        # audit events; the count must not grow with the rows in the chunk.
        yield Figure(
            "outbox flush queries for a batch of 100 (a batch of 10 in extra)",
            per_flush[100],
            "queries",
            target=f"= {per_flush[10]} (batch of 10)",
            higher_is_better=False,
            extra={"batch_10": per_flush[10], "equal": per_flush[10] == per_flush[100]},
        )

        with CaptureQueriesContext(connection) as queries:
            _enqueue(1, f"{run_id}:one")
        yield Figure(
            "queries per notification_enqueue (in its own transaction)",
            len(queries),
            "queries",
            higher_is_better=False,
        )
