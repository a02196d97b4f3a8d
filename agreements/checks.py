"""System checks of agreements: production must bring its own visa signing key.

The check applies once the settings declare VISA_SIGNING_KEY (read from the environment in
base.py); until then agreements.visas falls back to a generated development key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from agreements import visas


@register(Tags.security, deploy=True)
def visa_signing_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not hasattr(settings, "VISA_SIGNING_KEY"):
        return []
    inline = str(getattr(settings, "VISA_SIGNING_KEY", "") or "")
    file = str(getattr(settings, "VISA_SIGNING_KEY_FILE", "") or "")
    if not inline and not file:
        return [
            Error(
                "Neither VISA_SIGNING_KEY nor VISA_SIGNING_KEY_FILE is set: GA4GH visas would "
                "be signed with a generated development key.",
                hint="Set VISA_SIGNING_KEY to an EC P-256 private key in PEM (PKCS#8).",
                id="agreements.E001",
            )
        ]

    try:
        pem = inline.encode("ascii") if inline else Path(file).read_bytes()
        visas._load_private(pem)
    except Exception as exc:  # any unreadable or wrong key
        return [
            Error(
                f"The visa signing key cannot be used: {exc}",
                hint="Use an EC P-256 private key in PEM (PKCS#8), unencrypted.",
                id="agreements.E002",
            )
        ]
    return []
