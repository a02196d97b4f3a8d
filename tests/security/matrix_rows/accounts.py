"""Matrix rows for sign-in, profile and API tokens."""

from tests.security.matrix import Row

SIGNED_IN_ONLY = {"anonymous": 302, "*": 200}

COMMITTEE_NAMES = ("chair1", "member1", "member2", "member3", "steward1", "chair2", "member4")
COMMITTEE_PEOPLE = {"anonymous": 302, "*": 403, **dict.fromkeys(COMMITTEE_NAMES, 200)}

ROWS = [
    Row("accounts:login", "GET", "/accounts/login/", {"anonymous": 200, "*": 302}),
    Row("accounts:logout", "POST", "/accounts/logout/", {"anonymous": 302, "*": 302}, form=True),
    Row("accounts:profile", "GET", "/accounts/profile/", SIGNED_IN_ONLY),
    Row("accounts:tokens", "GET", "/accounts/tokens/", SIGNED_IN_ONLY),
    # The register of declared interests: committee people only.
    Row("accounts:interests", "GET", "/accounts/interests/", COMMITTEE_PEOPLE),
    Row(
        "accounts:interests",
        "POST",
        "/accounts/interests/",
        {**COMMITTEE_PEOPLE, **dict.fromkeys(COMMITTEE_NAMES, 400)},
        body={"description": ""},
        form=True,
        note="empty",
    ),
    Row(
        "accounts:interest-end",
        "POST",
        "/accounts/interests/00000000-0000-4000-8000-000000000000/end/",
        {"anonymous": 302, "*": 404},
        form=True,
        note="not the caller's",
    ),
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

# Federated sign-in (docs/identity.md). The matrix runs with no provider configured, as
# `make run` does: a provider id that is not configured is a 404 for everyone. The signed-in
# flows through a real provider are in tests/accounts/test_federated_sign_in.py.
ROWS += [
    Row(
        "openid_connect_login",
        "POST",
        "/accounts/oidc/nobody/login/",
        {"anonymous": 404, "*": 404},
        form=True,
        note="provider not configured",
    ),
    Row(
        "openid_connect_callback",
        "GET",
        "/accounts/oidc/nobody/login/callback/?code=x&state=y",
        {"anonymous": 404, "*": 404},
        note="provider not configured",
    ),
    # No sign-in waiting for missing claims: back to the sign-in page (or home).
    Row(
        "socialaccount_signup",
        "GET",
        "/accounts/federated/signup/",
        {"anonymous": 302, "*": 302},
        note="nothing pending",
    ),
    Row("account_login", "GET", "/accounts/federated/login/", {"anonymous": 302, "*": 302}),
    Row("socialaccount_connections", "GET", "/accounts/federated/", {"anonymous": 302, "*": 302}),
    # An identity that is not the caller's: 404, never 403 (signing in just now counts as
    # the recent authentication unlinking asks for).
    Row(
        "accounts:identity-unlink",
        "POST",
        "/accounts/identities/999999/unlink/",
        {"anonymous": 302, "*": 404},
        form=True,
        note="not the caller's",
    ),
    Row(
        "accounts:institution-domains",
        "GET",
        "/accounts/institution-domains/",
        {"anonymous": 302, "admin": 200, "*": 403},
    ),
    Row(
        "accounts:institution-domain-map",
        "POST",
        lambda demo: f"/accounts/institution-domains/{_unmapped_domain()}/map/",
        {"anonymous": 302, "admin": 400, "*": 403},
        body={"institution": ""},
        form=True,
        note="no institution chosen",
    ),
]


def _unmapped_domain() -> int:
    from accounts.models import InstitutionDomain

    return InstitutionDomain.objects.filter(institution__isnull=True).values_list("pk", flat=True)[
        0
    ]
