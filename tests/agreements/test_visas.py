"""GA4GH visas: verified with PyJWT against the portal's JWKS, as a data host would."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from django.utils import timezone

from agreements import services, visas
from agreements.models import Grant

pytestmark = pytest.mark.django_db


def _jwks(client) -> dict:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return json.loads(response.content)


def _passport(api_client_for, user) -> list[str]:
    response = api_client_for(user).get("/api/v1/me/passport/")
    assert response.status_code == 200
    return response.json()["ga4gh_passport_v1"]


def test_each_active_grant_yields_a_visa_that_verifies_against_the_jwks(
    active_grant, researcher1, api_client_for, client, settings
):
    tokens = _passport(api_client_for, researcher1)
    jwks = _jwks(client)
    decoded = [visas.verify(token, jwks) for token in tokens]
    mine = [
        d
        for d in decoded
        if d["ga4gh_visa_v1"]["value"].endswith(f"/datasets/{active_grant.dataset.accession}")
    ]
    assert mine
    claims = mine[0]
    portal = settings.PORTAL_BASE_URL
    assert claims["iss"] == portal
    assert claims["sub"] == str(researcher1.public_id)
    assert claims["ga4gh_visa_v1"] == {
        "type": "ControlledAccessGrants",
        "asserted": int(active_grant.starts_at.timestamp()),
        "value": f"{portal}/datasets/{active_grant.dataset.accession}",
        "source": f"{portal}/committees/{active_grant.committee.slug}",
        "by": "dac",
    }
    assert claims["exp"] - claims["iat"] <= 3600
    assert claims["exp"] <= int(active_grant.ends_at.timestamp())
    header = jwt.get_unverified_header(tokens[0])
    assert header["typ"] == "vnd.ga4gh.visa+jwt"
    assert header["alg"] == "ES256"
    assert header["jku"] == f"{portal}/.well-known/jwks.json"
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}


def test_a_tampered_visa_fails_verification(active_grant, researcher1, api_client_for, client):
    token = _passport(api_client_for, researcher1)[0]
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "someone-else"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(jwt.InvalidTokenError):
        visas.verify(f"{header}.{forged}.{signature}", _jwks(client))


def test_a_visa_signed_by_another_key_fails(active_grant, researcher1, client):
    other = ec.generate_private_key(ec.SECP256R1())
    claims = visas.visa_claims(grant=active_grant, user=researcher1, now=timezone.now())
    token = jwt.encode(
        claims,
        other,
        algorithm="ES256",
        headers={"typ": visas.VISA_TYP, "kid": visas.current_kid()},
    )
    with pytest.raises(jwt.InvalidTokenError):
        visas.verify(token, _jwks(client))


def test_a_visa_never_outlives_its_grant(active_grant, researcher1):
    Grant.objects.filter(pk=active_grant.pk).update(ends_at=timezone.now() + timedelta(minutes=5))
    active_grant.refresh_from_db()
    claims = visas.visa_claims(grant=active_grant, user=researcher1, now=timezone.now())
    assert claims["exp"] == int(active_grant.ends_at.timestamp())


def test_revoked_suspended_and_expired_grants_yield_no_visa_at_once(
    active_grant, researcher1, chair1, api_client_for
):
    accession_value = f"/datasets/{active_grant.dataset.accession}"

    def covering() -> list[str]:
        return [
            t
            for t in _passport(api_client_for, researcher1)
            if jwt.decode(t, options={"verify_signature": False})["ga4gh_visa_v1"][
                "value"
            ].endswith(accession_value)
            and jwt.decode(t, options={"verify_signature": False})["ga4gh_visa_v1"]["asserted"]
            == int(active_grant.starts_at.timestamp())
        ]

    assert covering()
    services.grant_suspend(grant=active_grant, actor=chair1, reason="Check.")
    assert covering() == []
    services.grant_reinstate(grant=active_grant, actor=chair1, reason="Fine.")
    assert covering()
    # Past its end, even before the expiry job ran.
    Grant.objects.filter(pk=active_grant.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1),
        starts_at=timezone.now() - timedelta(days=10),
    )
    assert covering() == []
    Grant.objects.filter(pk=active_grant.pk).update(ends_at=timezone.now() + timedelta(days=1))
    services.grant_revoke(grant=active_grant, actor=chair1, reason="Breach.")
    assert covering() == []


def test_collaborators_get_visas_too(active_grant, member3, api_client_for, client):
    tokens = _passport(api_client_for, member3)
    assert tokens
    claims = visas.verify(tokens[0], _jwks(client))
    assert claims["sub"] == str(member3.public_id)


def test_a_rotated_key_stays_in_the_jwks_so_old_visas_verify(active_grant, researcher1, tmp_path):
    old_key = visas.signing_key()
    old_visa = visas.sign_visa(
        visas.visa_claims(grant=active_grant, user=researcher1, now=timezone.now())
    )
    new_key = ec.generate_private_key(ec.SECP256R1())
    with override_settings(
        VISA_SIGNING_KEY=visas.private_pem(new_key).decode(),
        VISA_RETIRED_PUBLIC_KEYS=[visas.public_pem(old_key.public_key())],
    ):
        jwks = visas.jwks(timezone.now())
        assert len(jwks["keys"]) == 2
        assert visas.verify(old_visa, jwks)["sub"] == str(researcher1.public_id)
        new_visa = visas.sign_visa(
            visas.visa_claims(grant=active_grant, user=researcher1, now=timezone.now())
        )
        assert jwt.get_unverified_header(new_visa)["kid"] == jwks["keys"][0]["kid"]
        assert visas.verify(new_visa, jwks)
    later = timezone.now() + timedelta(hours=2)
    with override_settings(
        VISA_SIGNING_KEY=visas.private_pem(new_key).decode(),
        VISA_RETIRED_PUBLIC_KEYS=[
            {"pem": visas.public_pem(old_key.public_key()), "until": timezone.now().isoformat()}
        ],
    ):
        assert len(visas.jwks(later)["keys"]) == 1


def test_an_expired_visa_is_refused(active_grant, researcher1, client):
    past = timezone.now() - timedelta(hours=3)
    token = visas.sign_visa(visas.visa_claims(grant=active_grant, user=researcher1, now=past))
    with pytest.raises(jwt.ExpiredSignatureError):
        visas.verify(token, _jwks(client))


def test_the_deploy_check_wants_a_usable_visa_key_once_the_setting_exists() -> None:
    from agreements.checks import visa_signing_key

    with override_settings(VISA_SIGNING_KEY="", VISA_SIGNING_KEY_FILE=""):
        assert [e.id for e in visa_signing_key()] == ["agreements.E001"]
    with override_settings(VISA_SIGNING_KEY="not a key", VISA_SIGNING_KEY_FILE=""):
        assert [e.id for e in visa_signing_key()] == ["agreements.E002"]
    key = visas.private_pem(ec.generate_private_key(ec.SECP256R1())).decode()
    with override_settings(VISA_SIGNING_KEY=key):
        assert visa_signing_key() == []
