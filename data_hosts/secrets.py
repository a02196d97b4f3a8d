"""Signing secrets in the Standard Webhooks form (`whsec_` + base64 of 24 to 64 random
bytes), kept encrypted at rest with the portal's Fernet keys (FIELD_ENCRYPTION_KEYS): the
portal must read them back to sign, so they cannot be hashed like API tokens."""

from __future__ import annotations

import base64
import binascii
import secrets as random

from access_requests.documents import decrypt, encrypt

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(random.token_bytes(32)).decode()


def is_valid(secret: str) -> bool:
    if not secret.startswith(PREFIX):
        return False
    try:
        raw = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(raw) <= 64


def seal(secret: str) -> bytes:
    return encrypt(secret.encode())


def unseal(sealed: bytes | memoryview) -> str:
    return decrypt(bytes(sealed)).decode()
