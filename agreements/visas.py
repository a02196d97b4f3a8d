"""GA4GH Passport visas (ControlledAccessGrants, Passport spec 1.2) and the JWKS that
verifies them.

Visas are JWTs signed ES256 with an EC P-256 key. Where the key comes from, in order:
1. settings.VISA_SIGNING_KEY: a PEM (PKCS#8) private key;
2. settings.VISA_SIGNING_KEY_FILE: a path to such a PEM file;
3. neither (development and tests): a key generated on first use under VAR_DIR/keys/ with
   mode 0600 and reused afterwards (as audit.keys does for the audit key).

Key rotation: put the new private key in VISA_SIGNING_KEY and the old key's *public* PEM in
settings.VISA_RETIRED_PUBLIC_KEYS. The JWKS publishes the current key and every retired
one, so visas signed before the rotation keep verifying; a retired key can be dropped
once VISA_LIFETIME_SECONDS (the longest a visa lives, default one hour) has passed.
An entry of VISA_RETIRED_PUBLIC_KEYS may also be {"pem": ..., "until": ISO-datetime}: it
leaves the JWKS by itself after `until`.

`kid` is the RFC 7638 JWK thumbprint of the public key, so it names the key and nothing
else. Pure with respect to the ORM: callers pass grants and users in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_datetime

DEV_KEY_NAME = "visa-signing-es256.pem"
ALGORITHM = "ES256"
VISA_TYP = "vnd.ga4gh.visa+jwt"
DEFAULT_LIFETIME_SECONDS = 3600


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def lifetime() -> timedelta:
    return timedelta(seconds=int(_setting("VISA_LIFETIME_SECONDS", DEFAULT_LIFETIME_SECONDS)))


def _load_private(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ImproperlyConfigured("The visa signing key must be an EC P-256 private key.")
    return key


def _load_public(pem: bytes) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ImproperlyConfigured("A retired visa key must be an EC P-256 public key.")
    return key


def private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _development_key(var_dir: Path) -> ec.EllipticCurvePrivateKey:
    folder = var_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / DEV_KEY_NAME
    try:
        # O_EXCL: two processes starting at once end up with one key, not two.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _load_private(path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(key))
    return key


@functools.lru_cache(maxsize=4)
def _signing_key_for(inline: str, file: str, var_dir: str) -> ec.EllipticCurvePrivateKey:
    if inline:
        return _load_private(inline.encode("ascii"))
    if file:
        return _load_private(Path(file).read_bytes())
    return _development_key(Path(var_dir))


def signing_key() -> ec.EllipticCurvePrivateKey:
    return _signing_key_for(
        _setting("VISA_SIGNING_KEY", ""),
        _setting("VISA_SIGNING_KEY_FILE", ""),
        str(settings.VAR_DIR),
    )


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    # RFC 7638: the thumbprint of the required members, in lexicographic order.
    canonical = json.dumps(
        {k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
    )
    kid = _b64url(hashlib.sha256(canonical.encode("ascii")).digest())
    return {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}


def current_kid() -> str:
    return public_jwk(signing_key().public_key())["kid"]


def _retired_keys(now: datetime) -> list[ec.EllipticCurvePublicKey]:
    keys = []
    for entry in _setting("VISA_RETIRED_PUBLIC_KEYS", []) or []:
        if isinstance(entry, dict):
            until = parse_datetime(str(entry.get("until", "")))
            if until is not None and until <= now:
                continue
            pem = entry["pem"]
        else:
            pem = entry
        keys.append(_load_public(str(pem).encode("ascii")))
    return keys


def jwks(now: datetime) -> dict[str, Any]:
    """The JSON Web Key Set: the current key first, then the retired ones still listed."""
    seen: set[str] = set()
    keys = []
    for public in [signing_key().public_key(), *_retired_keys(now)]:
        jwk = public_jwk(public)
        if jwk["kid"] not in seen:
            seen.add(jwk["kid"])
            keys.append(jwk)
    return {"keys": keys}


def base_url() -> str:
    return str(settings.PORTAL_BASE_URL).rstrip("/")


def jwks_url() -> str:
    return f"{base_url()}/.well-known/jwks.json"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def visa_claims(*, grant: Any, user: Any, now: datetime) -> dict[str, Any]:
    """The claims of one ControlledAccessGrants visa for `user` (holder or collaborator)."""
    portal = base_url()
    expires = min(now + lifetime(), grant.ends_at)
    return {
        "iss": portal,
        "sub": str(user.public_id),
        "iat": _epoch(now),
        "exp": _epoch(expires),
        "jti": str(uuid.uuid4()),
        "ga4gh_visa_v1": {
            "type": "ControlledAccessGrants",
            "asserted": _epoch(grant.starts_at),
            "value": f"{portal}/datasets/{grant.dataset.accession}",
            "source": f"{portal}/committees/{grant.committee.slug}",
            "by": "dac",
        },
    }


def sign_visa(claims: dict[str, Any]) -> str:
    headers = {"typ": VISA_TYP, "kid": current_kid(), "jku": jwks_url()}
    return jwt.encode(claims, signing_key(), algorithm=ALGORITHM, headers=headers)


def passport(*, grants: list[Any], user: Any, now: datetime) -> dict[str, list[str]]:
    """One visa per grant that gives access now (the caller passes only those). A grant
    whose end is less than a second away yields none: its visa would be born expired."""
    visas = []
    for grant in grants:
        if grant.ends_at is None or grant.starts_at is None or grant.ends_at <= now:
            continue
        claims = visa_claims(grant=grant, user=user, now=now)
        if claims["exp"] <= claims["iat"]:
            continue
        visas.append(sign_visa(claims))
    return {"ga4gh_passport_v1": visas}


def verify(token: str, jwks_document: dict[str, Any], *, audience: Any = None) -> dict[str, Any]:
    """Verify a visa against a JWKS document (as a data host would): the key named by the
    header's kid, ES256 only, `exp` enforced. Raises jwt.InvalidTokenError when it fails."""
    header = jwt.get_unverified_header(token)
    if header.get("typ") != VISA_TYP:
        raise jwt.InvalidTokenError("not a GA4GH visa")
    for jwk in jwks_document.get("keys", []):
        if jwk.get("kid") == header.get("kid"):
            key = jwt.PyJWK.from_dict(jwk)
            return jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                options={"require": ["iss", "sub", "iat", "exp", "jti"], "verify_aud": False},
            )
    raise jwt.InvalidTokenError("unknown kid")
