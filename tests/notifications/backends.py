"""E-mail backends for tests: a mail server that is down, and a slow one (to widen races)."""

from __future__ import annotations

import smtplib
import time
from typing import Any

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FailingBackend(LocmemBackend):
    def send_messages(self, messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test)")


class SlowBackend(LocmemBackend):
    def send_messages(self, messages: Any) -> int:
        time.sleep(0.02)
        return super().send_messages(messages)


class CountingBackend(LocmemBackend):
    """Counts the connections opened (class-wide): the flush opens one per batch."""

    opened = 0

    def open(self) -> bool:
        type(self).opened += 1
        return True


class UnreachableBackend(LocmemBackend):
    """A mail server that refuses the connection itself."""

    def open(self) -> bool:
        raise ConnectionRefusedError("Connection refused (test)")
