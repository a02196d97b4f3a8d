"""The test OpenID Connect provider (tests/oidc_provider) that the sign-in tests rely on.

It runs as its own process; these tests drive it with plain requests, as the portal would:
the authorization-code flow with PKCE (S256) and a nonce, the ID token checked with PyJWT
against the provider's JWKS, userinfo read with the access token and its visa checked
against the visa issuer's JWKS. Each fault is shown to be visible to a relying party that
checks what it should, and to last for one response only.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from tests.oidc_provider.process import RunningProvider, start_provider

CLIENT_ID = "dac-portal"
CLIENT_SECRET = secrets.token_urlsafe(24)
REDIRECT_URI = "http://127.0.0.1:8765/accounts/oidc/callback/"  # never contacted
ALL_SCOPES = "openid profile email ga4gh_passport_v1 schac_home_organization orcid"
TIMEOUT = 10

ALICE = {
    "name": "Alice Example",
    "given_name": "Alice",
    "family_name": "Example",
    "email": "alice@example.org",
    "email_verified": True,
    "schac_home_organization": "example.org",
    "eduperson_scoped_affiliation": ["member@example.org", "faculty@example.org"],
    "orcid": "https://orcid.org/0000-0002-1825-0097",
}


@pytest.fixture(scope="module")
def provider() -> Any:
    running = start_provider(CLIENT_ID, CLIENT_SECRET)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def alice(provider: RunningProvider) -> str:
    """Alice exists and signs in without a page; no fault, acr or visa change is left over
    from an earlier test."""
    provider.set_user("alice", ALICE, userinfo={"locale": "en"})
    provider.set_next_user("alice", auto_approve=True)
    provider.set_fault(None)
    provider.set_acr(None, None)
    provider.set_visa(type=None, value=None, source=None, by=None, asserted=None)
    return "alice"


# ---------------------------------------------------------------------------------------
# A relying party in a few lines


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class AuthorizationRequest:
    params: dict[str, str]
    verifier: str

    @property
    def nonce(self) -> str:
        return self.params["nonce"]


def authorization_request(scope: str = ALL_SCOPES, **overrides: str | None) -> AuthorizationRequest:
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return AuthorizationRequest({k: v for k, v in params.items() if v is not None}, verifier)


def redirect_query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorize(provider: RunningProvider, auth: AuthorizationRequest) -> requests.Response:
    return requests.get(
        f"{provider.issuer}/authorize", params=auth.params, allow_redirects=False, timeout=TIMEOUT
    )


def redeem(provider: RunningProvider, code: str, verifier: str) -> requests.Response:
    return requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=TIMEOUT,
    )


@dataclass
class SignIn:
    nonce: str
    tokens: dict[str, Any]

    @property
    def id_token(self) -> str:
        return self.tokens["id_token"]

    @property
    def access_token(self) -> str:
        return self.tokens["access_token"]


def sign_in(provider: RunningProvider, scope: str = ALL_SCOPES) -> SignIn:
    auth = authorization_request(scope)
    query = redirect_query(authorize(provider, auth))
    assert query["state"] == auth.params["state"]
    response = redeem(provider, query["code"], auth.verifier)
    assert response.status_code == 200, response.text
    return SignIn(nonce=auth.nonce, tokens=response.json())


def jwk_set(url: str) -> jwt.PyJWKSet:
    response = requests.get(url, timeout=TIMEOUT)
    response.raise_for_status()
    return jwt.PyJWKSet.from_dict(response.json())


def decode_id_token(provider: RunningProvider, id_token: str, **options: Any) -> dict[str, Any]:
    """Verify as a relying party must: signature by the published key, iss, aud, exp."""
    key = jwk_set(f"{provider.issuer}/jwks.json")[jwt.get_unverified_header(id_token)["kid"]]
    return jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        issuer=provider.issuer,
        audience=options.pop("audience", CLIENT_ID),
        options={"require": ["iss", "sub", "aud", "exp", "iat"], **options},
    )


def visa_issuer(provider: RunningProvider) -> str:
    return f"{provider.issuer}/visa-issuer"


def decode_visa(visa: str, issuer: str) -> dict[str, Any]:
    """Verify a visa against the JWKS of the issuer the portal trusts (not the jku the
    visa itself names)."""
    key = jwk_set(f"{issuer}/jwks.json")[jwt.get_unverified_header(visa)["kid"]]
    return jwt.decode(visa, key.key, algorithms=["ES256"], issuer=issuer)


def read_userinfo(provider: RunningProvider, access_token: str) -> dict[str, Any]:
    response = requests.get(
        f"{provider.issuer}/userinfo",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return response.json()


def the_visa(provider: RunningProvider) -> str:
    signed_in = sign_in(provider)
    (visa,) = read_userinfo(provider, signed_in.access_token)["ga4gh_passport_v1"]
    return visa


class FormReader(HTMLParser):
    """The sign-in page's form: its action, inputs and the labels' targets."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.labels: list[str | None] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "form":
            self.action = attributes.get("action") or ""
        elif tag == "input":
            self.inputs[attributes["name"] or ""] = attributes
        elif tag == "label":
            self.labels.append(attributes.get("for"))


def read_form(page: str) -> FormReader:
    reader = FormReader()
    reader.feed(page)
    return reader


# ---------------------------------------------------------------------------------------
# Discovery and the happy path


def test_discovery_names_the_endpoints_and_what_the_provider_supports(provider):
    config = requests.get(
        f"{provider.issuer}/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    issuer = provider.issuer
    assert config["issuer"] == issuer and not issuer.endswith("/")
    assert config["authorization_endpoint"] == f"{issuer}/authorize"
    assert config["token_endpoint"] == f"{issuer}/token"
    assert config["userinfo_endpoint"] == f"{issuer}/userinfo"
    assert config["jwks_uri"] == f"{issuer}/jwks.json"
    assert config["response_types_supported"] == ["code"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(config["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"openid", "ga4gh_passport_v1", "orcid"} <= set(config["scopes_supported"])
    assert "ga4gh_passport_v1" in config["claims_supported"]


def test_the_jwks_publishes_the_rs256_signing_key_without_its_private_parts(provider):
    (key,) = requests.get(f"{provider.issuer}/jwks.json", timeout=TIMEOUT).json()["keys"]
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_a_code_flow_with_pkce_and_nonce_yields_an_id_token_signed_by_the_published_key(
    provider,
):
    signed_in = sign_in(provider)
    assert signed_in.tokens["token_type"].lower() == "bearer"
    assert signed_in.tokens["expires_in"] == 300
    claims = decode_id_token(provider, signed_in.id_token)
    now = time.time()
    assert claims["sub"] == "alice"
    assert claims["aud"] == [CLIENT_ID]
    assert claims["nonce"] == signed_in.nonce
    assert now - 60 < claims["iat"] <= now + 5 and claims["exp"] == claims["iat"] + 300
    assert now - 60 < claims["auth_time"] <= now + 5
    assert claims["email"] == "alice@example.org" and claims["email_verified"] is True
    assert claims["eduperson_scoped_affiliation"] == ALICE["eduperson_scoped_affiliation"]
    assert claims["orcid"] == ALICE["orcid"]
    assert "locale" not in claims  # userinfo extras stay out of the ID token
    assert "acr" not in claims and "amr" not in claims
    digest = hashlib.sha256(signed_in.access_token.encode("ascii")).digest()
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def test_userinfo_carries_the_claims_and_one_visa_signed_by_the_visa_issuer(provider):
    signed_in = sign_in(provider)
    info = read_userinfo(provider, signed_in.access_token)
    assert info["sub"] == "alice" and info["name"] == "Alice Example"
    assert info["locale"] == "en"
    (visa,) = info["ga4gh_passport_v1"]
    header = jwt.get_unverified_header(visa)
    assert header["typ"] == "vnd.ga4gh.visa+jwt" and header["alg"] == "ES256"
    assert header["jku"] == f"{visa_issuer(provider)}/jwks.json"
    claims = decode_visa(visa, visa_issuer(provider))
    now = time.time()
    assert claims["sub"] == "alice"
    assert now - 60 < claims["iat"] <= now + 5 and claims["exp"] == claims["iat"] + 3600
    assert uuid.UUID(claims["jti"]).version == 4
    assert claims["ga4gh_visa_v1"] == {
        "type": "ResearcherStatus",
        "asserted": claims["iat"] - 86400,
        "value": "https://doi.org/10.1038/s41431-018-0219-y",
        "source": "https://www.example.org/test-university",
        "by": "so",
    }


def test_without_the_passport_scope_userinfo_has_no_visa(provider):
    signed_in = sign_in(provider, scope="openid profile email")
    assert "ga4gh_passport_v1" not in read_userinfo(provider, signed_in.access_token)


def test_a_passport_set_for_the_user_is_returned_as_set_instead_of_a_minted_visa(provider):
    provider.set_user("alice", ALICE, userinfo={"ga4gh_passport_v1": []})
    signed_in = sign_in(provider)
    assert read_userinfo(provider, signed_in.access_token)["ga4gh_passport_v1"] == []


def test_set_visa_changes_the_fields_of_the_following_visas(provider):
    provider.set_visa(type="AffiliationAndRole", value="faculty@example.org", asserted=1700000000)
    claims = decode_visa(the_visa(provider), visa_issuer(provider))
    assert claims["ga4gh_visa_v1"]["type"] == "AffiliationAndRole"
    assert claims["ga4gh_visa_v1"]["value"] == "faculty@example.org"
    assert claims["ga4gh_visa_v1"]["asserted"] == 1700000000
    assert claims["ga4gh_visa_v1"]["by"] == "so"


def test_acr_and_amr_set_through_the_control_api_reach_the_id_token(provider):
    provider.set_acr("https://refeds.org/profile/mfa", ["pwd", "otp"])
    claims = decode_id_token(provider, sign_in(provider).id_token)
    assert claims["acr"] == "https://refeds.org/profile/mfa"
    assert claims["amr"] == ["pwd", "otp"]


def test_userinfo_refuses_a_missing_or_unknown_access_token(provider):
    url = f"{provider.issuer}/userinfo"
    assert requests.get(url, timeout=TIMEOUT).status_code == 401
    unknown = {"Authorization": "Bearer not-a-token"}
    assert requests.get(url, headers=unknown, timeout=TIMEOUT).status_code == 401


# ---------------------------------------------------------------------------------------
# The sign-in page


def test_the_sign_in_page_has_a_labelled_username_field_and_keeps_the_request(provider):
    provider.set_next_user(None)
    auth = authorization_request(login_hint="alice")
    response = authorize(provider, auth)
    assert response.status_code == 200
    form = read_form(response.text)
    assert "script" not in form.tags and "style" not in form.tags
    assert "style=" not in response.text
    assert form.action == "/authorize"
    assert form.labels == ["username"] and form.inputs["username"]["id"] == "username"
    assert form.inputs["username"]["value"] == "alice"
    assert ">Continue</button>" in response.text
    assert {name: form.inputs[name]["value"] for name in auth.params} == auth.params


def test_the_pre_selected_user_fills_the_page_when_not_auto_approved(provider):
    provider.set_next_user("alice", auto_approve=False)
    form = read_form(authorize(provider, authorization_request()).text)
    assert form.inputs["username"]["value"] == "alice"


def test_posting_the_sign_in_form_issues_a_code_for_that_user(provider):
    provider.set_user("bob", {"name": "Bob Example"})
    provider.set_next_user(None)
    auth = authorization_request()
    form = read_form(authorize(provider, auth).text)
    fields = {name: attributes["value"] for name, attributes in form.inputs.items()}
    response = requests.post(
        f"{provider.issuer}{form.action}",
        data={**fields, "username": "bob"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    query = redirect_query(response)
    assert query["state"] == auth.params["state"]
    tokens = redeem(provider, query["code"], auth.verifier).json()
    claims = decode_id_token(provider, tokens["id_token"])
    assert claims["sub"] == "bob" and claims["nonce"] == auth.nonce


def test_an_unknown_username_gets_the_page_again_with_status_400(provider):
    provider.set_next_user(None)
    auth = authorization_request()
    response = requests.post(
        f"{provider.issuer}/authorize",
        data={**auth.params, "username": "mallory"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert read_form(response.text).inputs["state"]["value"] == auth.params["state"]


# ---------------------------------------------------------------------------------------
# What the provider refuses


@pytest.mark.parametrize(
    "overrides",
    [
        {"nonce": None},
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": None},
        {"code_challenge_method": "plain"},
        {"scope": "openid admin"},
    ],
    ids=["no-nonce", "no-pkce", "pkce-without-method", "plain-pkce", "unknown-scope"],
)
def test_an_authorization_request_missing_what_is_required_is_sent_back_with_an_error(
    provider, overrides
):
    auth = authorization_request(**overrides)
    query = redirect_query(authorize(provider, auth))
    assert query["error"] in {"invalid_request", "invalid_scope"}
    assert "code" not in query and query["state"] == auth.params["state"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://portal.example.org/callback/",
        "http://portal.example.org/callback/",
        "http://127.0.0.1@evil.example/callback/",
        "http://127.0.0.2:8000/callback/",
        "javascript:alert(1)//127.0.0.1",
    ],
)
def test_a_redirect_uri_off_the_loopback_is_refused_without_redirecting(provider, redirect_uri):
    response = authorize(provider, authorization_request(redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json()["error"] == "invalid_request"


def test_the_token_endpoint_refuses_a_wrong_code_verifier(provider):
    auth = authorization_request()
    code = redirect_query(authorize(provider, auth))["code"]
    response = redeem(provider, code, pkce_pair()[0])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_is_redeemed_once_only(provider):
    auth = authorization_request()
    code = redirect_query(authorize(provider, auth))["code"]
    assert redeem(provider, code, auth.verifier).status_code == 200
    again = redeem(provider, code, auth.verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_the_token_endpoint_refuses_a_wrong_client_secret(provider):
    auth = authorization_request()
    code = redirect_query(authorize(provider, auth))["code"]
    response = requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier,
        },
        auth=(CLIENT_ID, "not-the-secret"),
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_nonce_is_accepted_once_only(provider):
    auth = authorization_request()
    redirect_query(authorize(provider, auth))
    replayed = authorization_request(nonce=auth.nonce)
    assert redirect_query(authorize(provider, replayed))["error"] == "invalid_request"


def test_the_control_api_refuses_an_unknown_fault(provider):
    with pytest.raises(RuntimeError, match="400"):
        provider.set_fault("melted")


# ---------------------------------------------------------------------------------------
# Faults: each is visible to a careful relying party, and lasts one response


def test_fault_bad_signature_names_the_published_kid_but_fails_the_signature_check(provider):
    provider.set_fault("bad_signature")
    id_token = sign_in(provider).id_token
    published = requests.get(f"{provider.issuer}/jwks.json", timeout=TIMEOUT).json()
    assert jwt.get_unverified_header(id_token)["kid"] == published["keys"][0]["kid"]
    with pytest.raises(jwt.InvalidSignatureError):
        decode_id_token(provider, id_token)


def test_fault_wrong_aud_issues_the_id_token_to_another_client(provider):
    provider.set_fault("wrong_aud")
    id_token = sign_in(provider).id_token
    with pytest.raises(jwt.InvalidAudienceError):
        decode_id_token(provider, id_token)
    claims = decode_id_token(provider, id_token, audience="some-other-client")
    assert claims["aud"] == ["some-other-client"]


def test_fault_expired_issues_an_id_token_that_expired_ten_minutes_ago(provider):
    provider.set_fault("expired")
    id_token = sign_in(provider).id_token
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_id_token(provider, id_token)
    claims = decode_id_token(provider, id_token, verify_exp=False)
    now = time.time()
    assert claims["exp"] < now - 500 and claims["iat"] < now - 1100
    assert claims["auth_time"] < now - 1100


def test_fault_replay_nonce_puts_the_previous_requests_nonce_in_the_id_token(provider):
    earlier = sign_in(provider)
    provider.set_fault("replay_nonce")
    current = sign_in(provider)
    claims = decode_id_token(provider, current.id_token)
    assert claims["nonce"] == earlier.nonce != current.nonce


def test_fault_untrusted_visa_comes_from_a_rogue_broker_with_its_own_jwks(provider):
    provider.set_fault("untrusted_visa")
    visa = the_visa(provider)
    rogue = f"{provider.issuer}/rogue-broker"
    assert jwt.get_unverified_header(visa)["jku"] == f"{rogue}/jwks.json"
    with pytest.raises(KeyError):  # its kid is in no JWKS of the trusted visa issuer
        decode_visa(visa, visa_issuer(provider))
    assert decode_visa(visa, rogue)["iss"] == rogue  # well signed, by the wrong issuer


def test_fault_expired_visa_issues_a_visa_that_expired_a_minute_ago(provider):
    provider.set_fault("expired_visa")
    visa = the_visa(provider)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_visa(visa, visa_issuer(provider))


def test_fault_bad_visa_signature_keeps_kid_and_jku_but_fails_the_signature_check(provider):
    provider.set_fault("bad_visa_signature")
    visa = the_visa(provider)
    header = jwt.get_unverified_header(visa)
    published = requests.get(f"{visa_issuer(provider)}/jwks.json", timeout=TIMEOUT).json()
    assert header["kid"] == published["keys"][0]["kid"]
    assert header["jku"] == f"{visa_issuer(provider)}/jwks.json"
    with pytest.raises(jwt.InvalidSignatureError):
        decode_visa(visa, visa_issuer(provider))


def test_an_id_token_fault_lasts_one_token_response_and_leaves_the_visa_alone(provider):
    provider.set_fault("wrong_aud")
    faulty = sign_in(provider)
    decode_visa(
        read_userinfo(provider, faulty.access_token)["ga4gh_passport_v1"][0],
        visa_issuer(provider),
    )
    assert decode_id_token(provider, sign_in(provider).id_token)["aud"] == [CLIENT_ID]


def test_a_visa_fault_waits_for_the_next_visa_and_lasts_one(provider):
    provider.set_fault("expired_visa")
    decode_id_token(provider, sign_in(provider).id_token)  # the token response is clean
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_visa(the_visa(provider), visa_issuer(provider))
    decode_visa(the_visa(provider), visa_issuer(provider))
