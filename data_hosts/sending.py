"""One HTTP delivery, signed per the Standard Webhooks specification with its maintained
reference library (`standardwebhooks`): headers `webhook-id` (the delivery's message id,
the same on every retry), `webhook-timestamp` (seconds) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the secret)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from data_hosts import targets

USER_AGENT = "dac-portal-webhooks/1"


@dataclass(frozen=True)
class Sent:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def signed_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def send(*, url: str, secret: str, message_id: str, payload: dict[str, Any], at: datetime) -> Sent:
    start = time.monotonic()
    try:
        targets.check(url)
    except targets.UnsafeTarget as exc:
        return Sent(None, f"refused: {exc}"[:300], 0)
    body = body_of(payload)
    try:
        response = requests.post(
            url,
            data=body.encode(),
            headers=signed_headers(secret, message_id, at, body),
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return Sent(None, f"{type(exc).__name__}: {exc}"[:300], _ms(start))
    return Sent(response.status_code, "", _ms(start))


def _ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)
