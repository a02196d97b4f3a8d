"""Helpers shared by the outbox, jobs and Celery tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from django.db import transaction

TEMPLATES_DIR = Path(__file__).parent / "templates"


def use_test_templates(settings: Any) -> None:
    """Make the test-only notification kind `test.ping` renderable (pytest-django's
    `settings` fixture restores TEMPLATES afterwards)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEMPLATES_DIR]
    settings.TEMPLATES = templates


def enqueue_ping(recipient: Any, key: str, topic: str = "tests") -> Any:
    from notifications.services import notification_enqueue

    with transaction.atomic():
        return notification_enqueue(
            kind="test.ping", recipient=recipient, dedupe_key=key, context={"topic": topic}
        )


def sent_events(key: str | None = None) -> Any:
    from audit.models import AuditEvent

    events = AuditEvent.objects.filter(action="notification.sent")
    if key is not None:
        events = events.filter(data__dedupe_key=key)
    return events
