"""System checks: a configured audit key that cannot be read should stop the portal at
start-up, not at the first export or checkpoint."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from audit import keys


@register()
def audit_keys_are_readable(app_configs: Any = None, **kwargs: Any) -> list[Error]:

    errors: list[Error] = []
    if settings.AUDIT_SIGNING_KEY or settings.AUDIT_SIGNING_KEY_FILE:
        try:
            keys.signing_key()
        except Exception as exc:  # any reason the key cannot be loaded
            errors.append(
                Error(
                    f"The audit signing key cannot be loaded: {exc}",
                    hint="Set AUDIT_SIGNING_KEY to an Ed25519 PKCS#8 PEM private key, or "
                    "AUDIT_SIGNING_KEY_FILE to a readable file holding one.",
                    id="audit.E001",
                )
            )
    for number, pem in enumerate(settings.AUDIT_VERIFY_KEYS, start=1):
        try:
            keys.load_public_pem(pem.encode("ascii"))
        except Exception as exc:
            errors.append(
                Error(
                    f"AUDIT_VERIFY_KEYS entry {number} is not an Ed25519 public key: {exc}",
                    id="audit.E002",
                )
            )
    return errors
