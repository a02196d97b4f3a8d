"""The Ed25519 key that signs export manifests and chain checkpoints.

Where the signing key comes from, in order:
1. settings.AUDIT_SIGNING_KEY: a PEM (PKCS#8) private key in the environment;
2. settings.AUDIT_SIGNING_KEY_FILE: a path to such a PEM file;
3. neither (development and tests only; production settings refuse to start): a key
   generated on first use under VAR_DIR/keys/ with mode 0600 and reused afterwards, so it
   never lands in the repository.

A key is named by its key id: the first 16 hex digits of SHA-256 over the raw 32-byte
public key. Verifiers trust the current key's public half plus every retired public key
listed in settings.AUDIT_VERIFY_KEYS (PEM public keys), so manifests and checkpoints signed
before a rotation still verify (docs/audit-log.md, "Key rotation").
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_NAME = "audit-signing-ed25519.pem"


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("The audit signing key must be an Ed25519 private key.")
    return key


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("An audit verification key must be an Ed25519 public key.")
    return key


def private_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _development_key(var_dir: Path) -> Ed25519PrivateKey:
    folder = var_dir / "keys"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / DEV_KEY_NAME
    try:
        # O_EXCL: when two processes start at once, exactly one creates the key and the
        # other reads it, so the portal never ends up with two development keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_private_pem(path.read_bytes())
    key = Ed25519PrivateKey.generate()
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem(key))
    return key


@functools.lru_cache(maxsize=4)
def _signing_key_for(inline: str, file: str, var_dir: str) -> Ed25519PrivateKey:
    if inline:
        return load_private_pem(inline.encode("ascii"))
    if file:
        return load_private_pem(Path(file).read_bytes())
    return _development_key(Path(var_dir))


def signing_key() -> Ed25519PrivateKey:
    # Cached per configuration, so tests that override the settings get their own key.
    return _signing_key_for(
        settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE, str(settings.VAR_DIR)
    )


def current_key_id() -> str:
    return key_id(signing_key().public_key())


def sign(message: bytes) -> tuple[str, str]:
    """(key id, base64 signature) of `message` with the current signing key."""
    key = signing_key()
    return key_id(key.public_key()), base64.b64encode(key.sign(message)).decode("ascii")


def trusted_public_keys(extra_pems: list[bytes] | None = None) -> dict[str, Ed25519PublicKey]:
    """Key id -> public key, for every key a verifier here accepts: the current signing
    key, the retired keys in AUDIT_VERIFY_KEYS, and any given explicitly."""
    keys: dict[str, Ed25519PublicKey] = {}
    pems = [p.encode("ascii") for p in settings.AUDIT_VERIFY_KEYS] + list(extra_pems or [])
    for pem in pems:
        public = load_public_pem(pem)
        keys[key_id(public)] = public
    current = signing_key().public_key()
    keys[key_id(current)] = current
    return keys


def verify(
    message: bytes, *, signature_b64: str, claimed_key_id: str, keys: dict[str, Ed25519PublicKey]
) -> str | None:
    """None when `signature_b64` is a valid signature of `message` by the trusted key named
    `claimed_key_id`; otherwise a sentence saying what is wrong."""
    public = keys.get(claimed_key_id)
    if public is None:
        return f"key {claimed_key_id!r} is not a trusted audit key"
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return "the signature is not valid base64"
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return f"the signature does not verify with key {claimed_key_id}"
    return None
