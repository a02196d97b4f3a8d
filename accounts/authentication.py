"""`Authorization: Bearer <token>` for the REST API.

Besides finding the token, this is where its limits are enforced, on every API view alike
(a view that sets its own permission classes cannot forget them):
- a read-only token is refused on any method that may change data (`read_only_token`);
- a token of a person who must use a second factor and has none confirmed is refused on
  every endpoint, /api/v1/me/ included (`two_factor_required`): the browser sends such a
  person to set one up before anything else, and the token is worth no more than that.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions

from accounts.services import api_token_authenticate
from accounts.two_factor import token_second_factor_missing

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenRefused(exceptions.PermissionDenied):
    """A valid token that may not be used for this call: 403 with a specific code. A DRF
    exception, not an ApplicationError: DRF resets the request's user on these only."""

    def __init__(self, message: str, *, error_code: str):
        super().__init__(message)
        self.error_code = error_code


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: use 'Bearer <token>'."
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        token = api_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if token_second_factor_missing(token):
            raise TokenRefused(
                "Your role requires a second factor: set one up in the browser; your "
                "tokens work again once it is confirmed.",
                error_code="two_factor_required",
            )
        if token.read_only and request.method not in SAFE_METHODS:
            raise TokenRefused(
                "This token is read-only: it may not change anything.",
                error_code="read_only_token",
            )
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
