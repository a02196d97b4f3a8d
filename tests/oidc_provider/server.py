"""The test OpenID Connect provider: a Flask app on Authlib's server side, all in memory.

The portal's sign-in tests point the portal at this provider as they would at a real
identity provider or AAI proxy (LS Login, an eduGAIN proxy): the portal reads discovery,
sends the browser to ``/authorize`` (authorization code, PKCE S256 and a nonce are all
required), redeems the code at ``/token`` as a confidential client, checks the RS256 ID
token against ``/jwks.json``, and reads ``/userinfo`` with the access token, where a GA4GH
passport carries one visa signed by a separate visa issuer (``<issuer>/visa-issuer``, ES256).

One client is registered (id and secret given to ``create_app``); it may redirect to any
``http`` URI on 127.0.0.1 or localhost, since the portal under test listens on a random
loopback port. Anything else is refused.

Tests steer the provider through a control API under ``/_control/`` (JSON bodies, answers
204; only this test server has it):

- ``PUT /_control/users/<sub>`` ``{"claims": {...}, "userinfo": {...}}`` adds or replaces a
  user. ``claims`` go into the ID token and userinfo; ``userinfo`` only into userinfo.
- ``PUT /_control/next`` ``{"username": sub | null, "auto_approve": bool}`` pre-selects who
  signs in. With ``auto_approve`` a valid ``GET /authorize`` issues the code at once (no
  page), so tests without a browser need not parse HTML; without it the sign-in page is
  prefilled with that username (unless the request has a ``login_hint``). It stays until
  changed.
- ``PUT /_control/acr`` ``{"acr": str | null, "amr": [str] | null}``: acr/amr of the
  following sign-ins (recorded with each code, so they reach its ID token), until changed.
- ``PUT /_control/visa`` with any of ``type``, ``value``, ``source``, ``by`` (strings) and
  ``asserted`` (epoch seconds): the ``ga4gh_visa_v1`` fields of the following visas; null
  puts a field back to its default.
- ``PUT /_control/fault`` ``{"fault": null | name}`` arms one fault. An ID-token fault is
  used up by the next token response, a visa fault by the next visa minted for userinfo.

Each fault is a way a real provider, or someone in the middle, can hand the portal a token
it must refuse; the sign-in tests arm one and check that the portal refuses to sign in:

- ``bad_signature``: the ID token is signed by another RSA key but names the real key's kid,
  so only a signature check against the published JWKS catches it (a forged token).
- ``wrong_aud``: the ID token is for ``some-other-client``, a token issued to another
  relying party and replayed at the portal.
- ``expired``: the ID token expired ten minutes ago (iat and auth_time 20 minutes ago), an
  old token replayed, or a clock far off.
- ``replay_nonce``: the ID token carries the nonce of the previous authorization request
  rather than the current one, an ID token captured earlier and injected into a new sign-in.
- ``untrusted_visa``: the visa comes from ``<issuer>/rogue-broker``, with that broker's own
  jku and JWKS: correctly signed, but by an issuer the portal must not trust.
- ``expired_visa``: the visa's exp is a minute ago; expired researcher status confers
  nothing.
- ``bad_visa_signature``: the visa is signed by a key in no JWKS, while its header still
  names the visa issuer's kid and jku (a forged visa).

Nothing secret is logged: the client secret, codes and tokens never reach a log.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, OAuth2Error, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, Flask, Response, current_app, jsonify, request
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

SCOPES = (
    "openid",
    "profile",
    "email",
    "ga4gh_passport_v1",
    "eduperson_scoped_affiliation",
    "schac_home_organization",
    "orcid",
)
CLAIMS = (
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "at_hash",
    "name",
    "given_name",
    "family_name",
    "email",
    "email_verified",
    "schac_home_organization",
    "eduperson_scoped_affiliation",
    "orcid",
    "ga4gh_passport_v1",
)
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})

CODE_LIFETIME = 600
ACCESS_TOKEN_LIFETIME = 300
ID_TOKEN_LIFETIME = 300
VISA_LIFETIME = 3600

ID_TOKEN_FAULTS = frozenset({"bad_signature", "wrong_aud", "expired", "replay_nonce"})
VISA_FAULTS = frozenset({"untrusted_visa", "expired_visa", "bad_visa_signature"})
OTHER_AUDIENCE = "some-other-client"

VISA_TYPE = "vnd.ga4gh.visa+jwt"
VISA_FIELDS = ("type", "asserted", "value", "source", "by")
DEFAULT_VISA = {
    "type": "ResearcherStatus",
    "value": "https://doi.org/10.1038/s41431-018-0219-y",
    "source": "https://www.example.org/test-university",
    "by": "so",
}
ASSERTED_AGO = 86400  # the default visa was asserted a day before it is minted

EXTENSION = "oidc_test_provider"


# ---------------------------------------------------------------------------------------
# Models (Authlib's mixins over plain in-memory objects)


@dataclass(frozen=True)
class Client(ClientMixin):
    """The one confidential client: the portal."""

    client_id: str
    client_secret: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # every authorization request must name its redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        return list_to_scope([s for s in scope_to_list(scope) or [] if s in SCOPES])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and not parts.fragment

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in TOKEN_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class User:
    sub: str
    claims: dict[str, Any]  # in the ID token and userinfo
    userinfo: dict[str, Any]  # in userinfo only


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_sub: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    acr: str | None
    amr: list[str] | None
    expires_at: float
    previous_nonce: str | None = None  # the nonce the replay_nonce fault puts in its place

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str] | None:
        return self.amr


@dataclass
class Token(TokenMixin):
    access_token: str
    client: Client
    user_sub: str
    scope: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)

    def check_client(self, client: Client) -> bool:
        return client.get_client_id() == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> str:
        return self.user_sub

    def get_client(self) -> Client:
        return self.client


@dataclass(frozen=True)
class Keys:
    """The signing keys, generated at start; private keys never leave the process."""

    id_token: RSAKey  # published at /jwks.json
    visa: ECKey  # the visa issuer's, published at /visa-issuer/jwks.json
    rogue_visa: ECKey  # the rogue broker's, published at /rogue-broker/jwks.json
    stray_rsa: RSAKey  # published nowhere: signs the bad_signature ID token
    stray_ec: ECKey  # published nowhere: signs the bad_visa_signature visa

    @classmethod
    def generate(cls) -> Keys:
        def rsa() -> RSAKey:
            params = {"use": "sig", "alg": "RS256"}
            return RSAKey.generate_key(2048, parameters=params, auto_kid=True)

        def ec() -> ECKey:
            params = {"use": "sig", "alg": "ES256"}
            return ECKey.generate_key("P-256", parameters=params, auto_kid=True)

        return cls(id_token=rsa(), visa=ec(), rogue_visa=ec(), stray_rsa=rsa(), stray_ec=ec())


class ProviderState:
    """Everything the provider knows, in memory. The server is threaded, so the steps that
    read and change together (taking a fault, issuing a code) hold a lock."""

    def __init__(self, issuer: str, client: Client) -> None:
        self.issuer = issuer
        self.client = client
        self.keys = Keys.generate()
        self.users: dict[str, User] = {}
        self.next_username: str | None = None
        self.auto_approve = False
        self.acr: str | None = None
        self.amr: list[str] | None = None
        self.visa_fields: dict[str, Any] = {}  # overrides of DEFAULT_VISA and asserted
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, Token] = {}
        self.used_nonces: set[str] = set()
        self.last_nonce: str | None = None
        self._fault: str | None = None
        self._lock = threading.Lock()

    @property
    def visa_issuer(self) -> str:
        return f"{self.issuer}/visa-issuer"

    @property
    def rogue_broker(self) -> str:
        return f"{self.issuer}/rogue-broker"

    def auto_approved_user(self) -> User | None:
        if self.auto_approve and self.next_username:
            return self.users.get(self.next_username)
        return None

    def set_fault(self, fault: str | None) -> None:
        with self._lock:
            self._fault = fault

    def take_fault(self, kinds: frozenset[str]) -> str | None:
        """The armed fault if it is one of ``kinds``, disarmed as it is taken."""
        with self._lock:
            fault = self._fault if self._fault in kinds else None
            if fault:
                self._fault = None
            return fault

    def add_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            code.previous_nonce = self.last_nonce
            self.last_nonce = code.nonce
            self.used_nonces.add(code.nonce)
            self.codes[code.code] = code

    def visa_claim(self, now: int) -> dict[str, Any]:
        return {**DEFAULT_VISA, "asserted": now - ASSERTED_AGO, **self.visa_fields}


# ---------------------------------------------------------------------------------------
# Authlib: the authorization server, the code grant and its extensions, the token validator


class ProviderServer(AuthorizationServer):
    """Authlib's Flask authorization server over ``ProviderState``."""

    def __init__(self, app: Flask, state: ProviderState) -> None:
        super().__init__()
        self.state = state
        self.init_app(app)

    def query_client(self, client_id: str) -> Client | None:
        return self.state.client if client_id == self.state.client.client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        self.state.tokens[token["access_token"]] = Token(
            access_token=token["access_token"],
            client=request.client,
            user_sub=request.user.sub,
            scope=token.get("scope", ""),
            expires_in=int(token["expires_in"]),
        )


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_AUTH_METHODS)

    def save_authorization_code(self, code: str, request: Any) -> None:
        state: ProviderState = self.server.state
        data = request.payload.data
        state.add_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user_sub=request.user.sub,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(time.time()),
                acr=state.acr,
                amr=state.amr,
                expires_at=time.time() + CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        item = self.server.state.codes.get(code)
        if item and item.client_id == client.get_client_id() and time.time() < item.expires_at:
            return item
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.state.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        return self.server.state.users.get(authorization_code.user_sub)


class RequireS256(CodeChallenge):
    """PKCE on every authorization request, S256 only. (Authlib's ``required=True`` insists
    on PKCE only for public clients; the portal is confidential and must send it anyway.)"""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE must use 'code_challenge_method=S256'.")
        super().validate_code_challenge(grant, redirect_uri)


class ProviderOpenIDCode(OpenIDCode):
    """The ID token: RS256 under the published kid, iss/aud/exp, the code's nonce, auth_time
    and acr/amr, at_hash, and the user's claims. The ID-token faults are applied here; one
    instance serves one grant (see ``_openid_code``), so ``self.fault`` is this response's."""

    DEFAULT_EXPIRES_IN = ID_TOKEN_LIFETIME

    def __init__(self, state: ProviderState) -> None:
        super().__init__(require_nonce=True)
        self.state = state
        self.fault: str | None = None

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return nonce in self.state.used_nonces

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo({**user.claims, "sub": user.sub})

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        self.fault = self.state.take_fault(ID_TOKEN_FAULTS)
        return super().encode_id_token(token, request)

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": self.state.keys.id_token.kid}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        return {"iss": self.state.issuer, "aud": [client.get_client_id()]}

    def get_compatible_claims(self, request: Any) -> dict[str, Any]:
        claims = super().get_compatible_claims(request)
        if self.fault == "wrong_aud":
            claims["aud"] = [OTHER_AUDIENCE]
        elif self.fault == "expired":
            now = int(time.time())
            claims.update(iat=now - 1200, exp=now - 600)
        return claims

    def get_authorization_code_claims(self, authorization_code: AuthorizationCode) -> dict:
        claims = super().get_authorization_code_claims(authorization_code)
        if self.fault == "expired":
            claims["auth_time"] = int(time.time()) - 1200
        elif self.fault == "replay_nonce":
            # On the very first sign-in there is no earlier nonce; any other will do.
            claims["nonce"] = authorization_code.previous_nonce or secrets.token_urlsafe(16)
        return claims

    def resolve_client_private_key(self, client: Client) -> RSAKey:
        if self.fault == "bad_signature":
            return self.state.keys.stray_rsa
        return self.state.keys.id_token


def _openid_code(grant: CodeGrant) -> None:
    """Give each grant (one per request) its own ProviderOpenIDCode."""
    ProviderOpenIDCode(grant.server.state)(grant)


class InMemoryBearerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> Token | None:
        return _state().tokens.get(token_string)


require_oauth = ResourceProtector()
require_oauth.register_token_validator(InMemoryBearerTokenValidator())


# ---------------------------------------------------------------------------------------
# The app


bp = Blueprint("oidc_test_provider", __name__)


def create_app(issuer: str, client_id: str, client_secret: str) -> Flask:
    """The provider as a Flask app; ``issuer`` is its base URL, without a trailing slash."""
    app = Flask(__name__)
    app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_TOKEN_LIFETIME}
    state = ProviderState(issuer.rstrip("/"), Client(client_id, client_secret))
    server = ProviderServer(app, state)
    server.register_grant(CodeGrant, [RequireS256(required=True), _openid_code])
    app.extensions[EXTENSION] = server
    app.register_blueprint(bp)
    return app


def _server() -> ProviderServer:
    return current_app.extensions[EXTENSION]


def _state() -> ProviderState:
    return _server().state


@bp.get("/.well-known/openid-configuration")
def discovery() -> Response:
    issuer = _state().issuer
    return jsonify(
        issuer=issuer,
        authorization_endpoint=f"{issuer}/authorize",
        token_endpoint=f"{issuer}/token",
        userinfo_endpoint=f"{issuer}/userinfo",
        jwks_uri=f"{issuer}/jwks.json",
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=list(TOKEN_AUTH_METHODS),
        scopes_supported=list(SCOPES),
        claims_supported=list(CLAIMS),
    )


def _jwks(key: RSAKey | ECKey) -> Response:
    return jsonify(keys=[key.as_dict(private=False)])


@bp.get("/jwks.json")
def jwks() -> Response:
    return _jwks(_state().keys.id_token)


@bp.get("/visa-issuer/jwks.json")
def visa_issuer_jwks() -> Response:
    return _jwks(_state().keys.visa)


@bp.get("/rogue-broker/jwks.json")
def rogue_broker_jwks() -> Response:
    return _jwks(_state().keys.rogue_visa)


@bp.get("/authorize")
def authorize_page() -> Response:
    """Validate the request; then the sign-in page, or the code at once for the user
    pre-selected with auto_approve."""
    state, server = _state(), _server()
    user = state.auto_approved_user()
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return server.handle_error_response(None, error)
    if user is not None:
        return server.create_authorization_response(grant=grant, grant_user=user)
    return _sign_in_page(request.args.get("login_hint") or state.next_username or "")


@bp.post("/authorize")
def authorize_sign_in() -> Response:
    """The sign-in form: the user named by ``username`` signs in and the code is issued."""
    server = _server()
    username = request.form.get("username", "").strip()
    user = _state().users.get(username)
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return server.handle_error_response(None, error)
    if user is None:
        return _sign_in_page(username, error="There is no test user with that username.")
    return server.create_authorization_response(grant=grant, grant_user=user)


def _sign_in_page(username: str, error: str | None = None) -> Response:
    """The sign-in page: one labelled field and a button, the authorization request carried
    along in hidden inputs. No script, no inline style."""
    hidden = "\n".join(
        f'    <input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in request.values.items(multi=True)
        if name != "username"
    )
    alert, described = "", ""
    if error:
        alert = f'  <p id="username-error" role="alert">{html.escape(error)}</p>\n'
        described = ' aria-invalid="true" aria-describedby="username-error"'
    page = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in - test identity provider</title>
</head>
<body>
<main>
  <h1>Sign in to the test identity provider</h1>
{alert}  <form method="post" action="/authorize">
{hidden}
    <label for="username">Username</label>
    <input id="username" name="username" type="text" autocomplete="username" required
           value="{html.escape(username)}"{described}>
    <button type="submit">Continue</button>
  </form>
</main>
</body>
</html>
"""
    response = Response(page, status=400 if error else 200, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/token")
def token() -> Response:
    return _server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
@require_oauth("openid")
def userinfo() -> Response:
    """The user's claims and userinfo extras; a passport with one fresh visa when the token
    has the ga4gh_passport_v1 scope and the user's own claims set no passport."""
    state = _state()
    user = state.users[current_token.user_sub]
    claims = {**user.claims, **user.userinfo, "sub": user.sub}
    if "ga4gh_passport_v1" in scope_to_list(current_token.scope) and (
        "ga4gh_passport_v1" not in claims
    ):
        claims["ga4gh_passport_v1"] = [_mint_visa(state, user.sub)]
    return jsonify(claims)


def _mint_visa(state: ProviderState, sub: str) -> str:
    """One ResearcherStatus visa from the visa issuer, or the armed visa fault."""
    fault = state.take_fault(VISA_FAULTS)
    now = int(time.time())
    issuer, named_key, signing_key = state.visa_issuer, state.keys.visa, state.keys.visa
    expires = now + VISA_LIFETIME
    if fault == "untrusted_visa":
        issuer, named_key = state.rogue_broker, state.keys.rogue_visa
        signing_key = named_key
    elif fault == "expired_visa":
        expires = now - 60
    elif fault == "bad_visa_signature":
        signing_key = state.keys.stray_ec
    header = {"typ": VISA_TYPE, "alg": "ES256", "kid": named_key.kid, "jku": f"{issuer}/jwks.json"}
    claims = {
        "iss": issuer,
        "sub": sub,
        "iat": now,
        "exp": expires,
        "jti": str(uuid.uuid4()),
        "ga4gh_visa_v1": state.visa_claim(now),
    }
    return jwt.encode(header, claims, signing_key, algorithms=["ES256"])


# ---------------------------------------------------------------------------------------
# The control API (tests only)


class ControlError(Exception):
    """A control request the provider cannot follow; answered 400 with the reason."""


@bp.errorhandler(ControlError)
def control_error(error: ControlError) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


def _body(allowed: set[str]) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlError("The body must be a JSON object.")
    if unknown := set(body) - allowed:
        raise ControlError(f"Unknown fields: {sorted(unknown)}")
    return body


def _no_content() -> Response:
    return Response(status=204)


@bp.put("/_control/users/<sub>")
def control_user(sub: str) -> Response:
    body = _body({"claims", "userinfo"})
    claims, extra = body.get("claims") or {}, body.get("userinfo") or {}
    if not isinstance(claims, dict) or not isinstance(extra, dict):
        raise ControlError("'claims' and 'userinfo' must be JSON objects.")
    _state().users[sub] = User(sub=sub, claims=claims, userinfo=extra)
    return _no_content()


@bp.put("/_control/next")
def control_next() -> Response:
    state = _state()
    body = _body({"username", "auto_approve"})
    username, auto_approve = body.get("username"), body.get("auto_approve", False)
    if username is not None and username not in state.users:
        raise ControlError(f"No user {username!r}: PUT /_control/users/<sub> first.")
    if not isinstance(auto_approve, bool):
        raise ControlError("'auto_approve' must be true or false.")
    state.next_username, state.auto_approve = username, auto_approve
    return _no_content()


@bp.put("/_control/fault")
def control_fault() -> Response:
    fault = _body({"fault"}).get("fault")
    if fault is not None and fault not in ID_TOKEN_FAULTS | VISA_FAULTS:
        raise ControlError(f"Unknown fault {fault!r}.")
    _state().set_fault(fault)
    return _no_content()


@bp.put("/_control/acr")
def control_acr() -> Response:
    body = _body({"acr", "amr"})
    acr, amr = body.get("acr"), body.get("amr")
    if acr is not None and not isinstance(acr, str):
        raise ControlError("'acr' must be a string or null.")
    if amr is not None and not (isinstance(amr, list) and all(isinstance(m, str) for m in amr)):
        raise ControlError("'amr' must be a list of strings or null.")
    state = _state()
    state.acr, state.amr = acr, amr
    return _no_content()


@bp.put("/_control/visa")
def control_visa() -> Response:
    body = _body(set(VISA_FIELDS))
    for name, value in body.items():
        expected = int if name == "asserted" else str
        if value is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            raise ControlError(f"'{name}' must be {expected.__name__} or null.")
    fields = _state().visa_fields
    for name, value in body.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return _no_content()
