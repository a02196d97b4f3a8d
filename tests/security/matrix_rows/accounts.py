"""Matrix rows for sign-in, profile and API tokens."""

from tests.security.matrix import Row

SIGNED_IN_ONLY = {"anonymous": 302, "*": 200}

ROWS = [
    Row("accounts:login", "GET", "/accounts/login/", {"anonymous": 200, "*": 302}),
    Row("accounts:logout", "POST", "/accounts/logout/", {"anonymous": 302, "*": 302}, form=True),
    Row("accounts:profile", "GET", "/accounts/profile/", SIGNED_IN_ONLY),
    Row("accounts:tokens", "GET", "/accounts/tokens/", SIGNED_IN_ONLY),
    Row(
        "accounts:tokens",
        "POST",
        "/accounts/tokens/",
        SIGNED_IN_ONLY,
        body={"name": "matrix", "days": "7"},
        form=True,
        note="create",
    ),
    # A token id that belongs to nobody the caller knows: 404, never 403.
    Row(
        "accounts:token-revoke",
        "POST",
        "/accounts/tokens/999999/revoke/",
        {"anonymous": 302, "*": 404},
        form=True,
    ),
    Row(
        "accounts:token-revoke",
        "POST",
        lambda demo: f"/accounts/tokens/{_token_of(demo, 'researcher1')}/revoke/",
        {"anonymous": 302, "researcher1": 302, "*": 404},
        form=True,
        note="researcher1's own token",
    ),
    Row("api-me", "GET", "/api/v1/me/", {"anonymous": 401, "*": 200}),
    Row("api-ping", "GET", "/api/v1/ping/", {"anonymous": 401, "*": 200}),
]


def _token_of(demo, username: str) -> int:  # type: ignore[no-untyped-def]
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    user = demo.user(username)
    token = ApiToken.objects.filter(
        user=user, name="matrix-target", revoked_at__isnull=True
    ).first()
    if token is None:
        token, _raw = api_token_create(user=user, name="matrix-target", days=1, actor=user)
    return token.pk


# Two-factor pages: open to anyone signed in (with OTP off in tests, nobody is forced there).
ROWS += [
    Row("accounts:2fa-setup", "GET", "/accounts/2fa/setup/", SIGNED_IN_ONLY),
    Row(
        "accounts:2fa-verify",
        "GET",
        "/accounts/2fa/verify/",
        {"anonymous": 302, "*": 302},
        note="no device yet",
    ),
]

# Re-authentication before decisions, revocations, audit exports and new tokens: anyone
# signed in may confirm their own password; an empty form is a 400 that checks nothing.
ROWS += [
    Row("accounts:reauth", "GET", "/accounts/reauth/?next=/grants/", SIGNED_IN_ONLY),
    Row(
        "accounts:reauth",
        "POST",
        "/accounts/reauth/",
        {"anonymous": 302, "*": 400},
        body={"password": ""},
        form=True,
        note="empty password",
    ),
]
