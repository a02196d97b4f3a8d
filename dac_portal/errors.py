"""Errors raised by services and selectors.

Services speak in these; the one DRF exception handler (dac_portal.api) and the one view
mixin (dac_portal.views) turn them into HTTP answers, so no view decides status codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class ApplicationError(Exception):
    """Base class: a refusal with a stable machine code and a human message."""

    status_code = 400
    code = "invalid"

    def __init__(
        self, message: str, *, details: Mapping[str, Any] | None = None, code: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})
        if code:
            self.code = code


class ValidationError(ApplicationError):
    """Bad input: field errors go into details, keyed by field name."""

    status_code = 400
    code = "invalid"


class NotFound(ApplicationError):
    """The object does not exist, or the caller may not know that it exists."""

    status_code = 404
    code = "not_found"


class PermissionDenied(ApplicationError):
    """The caller can see the object but may not act on it."""

    status_code = 403
    code = "permission_denied"


class Conflict(ApplicationError):
    """The request is well-formed but the current state does not allow it."""

    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """A workflow action that the object's current status does not allow."""

    code = "invalid_transition"

    def __init__(self, *, status: str, action: str, allowed_actions: Iterable[str]):
        allowed = sorted(allowed_actions)
        super().__init__(
            f"'{action}' is not allowed while the status is '{status}'.",
            details={"status": status, "action": action, "allowed_actions": allowed},
        )
        self.status = status
        self.allowed_actions = allowed
