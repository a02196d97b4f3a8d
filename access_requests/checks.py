"""System checks of access_requests: production must bring its own document keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def document_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    keys = [k for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS is empty: uploaded documents would be encrypted with a "
                "generated development key.",
                hint="Set FIELD_ENCRYPTION_KEYS to one or more Fernet keys, newest first.",
                id="access_requests.E001",
            )
        ]
    from cryptography.fernet import Fernet

    errors = []
    for index, key in enumerate(keys):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            errors.append(
                Error(
                    f"FIELD_ENCRYPTION_KEYS entry {index + 1} is not a Fernet key.",
                    hint="Make one with cryptography.fernet.Fernet.generate_key().",
                    id="access_requests.E002",
                )
            )
    return errors
