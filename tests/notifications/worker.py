"""The Celery app that the reliability tests start as a real worker subprocess:

    celery -A tests.notifications.worker worker --pool solo -Q <queue>

It is the portal's own app (dac_portal.celery) with a few knobs read from the environment,
so a test can shorten Redis' visibility timeout, choose a result backend, record the
e-mails the worker sends as files, and make a task pause at a chosen point (so that the
test can SIGKILL the worker there). A pause happens once: its marker file is deleted first,
so the redelivered task runs straight through.
"""

from __future__ import annotations

import os
import smtplib
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dac_portal.settings.test")

from celery import signals
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from dac_portal.celery import app

if os.environ.get("DAC_TEST_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        "visibility_timeout": int(os.environ["DAC_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
if os.environ.get("DAC_TEST_RESULT_BACKEND"):
    app.conf.result_backend = os.environ["DAC_TEST_RESULT_BACKEND"]
if os.environ.get("DAC_TEST_MAIL_DIR"):
    settings.EMAIL_BACKEND = "tests.notifications.worker.RecordingBackend"
if os.environ.get("DAC_TEST_RETRY_BASE_SECONDS"):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = int(os.environ["DAC_TEST_RETRY_BASE_SECONDS"])

PAUSE_SECONDS = 60.0


def _take_marker(name: str) -> bool:
    """True once per marker file: it is deleted and a `<name>.reached` file written."""
    folder = os.environ.get("DAC_TEST_MARKER_DIR")
    if not folder:
        return False
    try:
        (Path(folder) / name).unlink()
    except FileNotFoundError:
        return False
    (Path(folder) / f"{name}.reached").write_text(str(os.getpid()))
    return True


def _pause_if_marked(name: str) -> None:
    if _take_marker(name):
        time.sleep(PAUSE_SECONDS)


class RecordingBackend(BaseEmailBackend):
    """Writes each message to DAC_TEST_MAIL_DIR, after an optional pause *before* it is
    handed over (marker `pause-in-send`: the worker dies before the mail server saw it), or
    failing once like a mail server that is down (marker `fail-in-send`)."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.folder = Path(os.environ["DAC_TEST_MAIL_DIR"])

    def send_messages(self, messages: Any) -> int:
        if _take_marker("fail-in-send"):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test)")
        _pause_if_marked("pause-in-send")
        for message in messages:
            name = f"{time.time_ns()}-{os.getpid()}.eml"
            (self.folder / name).write_bytes(message.message().as_bytes())
        return len(messages)


@signals.task_postrun.connect
def _pause_after_task(**kwargs: Any) -> None:
    # After the task's transaction committed but before the message is acknowledged
    # (acks_late): the window in which a killed worker leaves a redelivery behind.
    _pause_if_marked("pause-after-task")
