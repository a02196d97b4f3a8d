"""Single-use links sent by e-mail (invitations): the token goes in the link, only its
SHA-256 is stored, so a copy of the database opens nothing."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from dac_portal.errors import NotFound

MAX_TOKEN = 200  # far above the 43 characters token_urlsafe(32) gives


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link_token() -> tuple[str, str]:
    """A fresh token for a link, and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def digest_of_link(token: Any) -> str:
    """The digest to look a link's token up by; 404 for something that cannot be one."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise NotFound("This invitation link is not valid.")
    return token_digest(token)
