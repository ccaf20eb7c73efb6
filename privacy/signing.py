"""Signatures: requests to and from other systems signed with a shared secret (HMAC-SHA256 over the
timestamp and the body, checked with a tolerance so that a captured request cannot be replayed
later), and documents the toolkit signs with its own Ed25519 key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from privacy.keys import Keyring

SIGNATURE_HEADER = "x-privacy-signature"
TIMESTAMP_HEADER = "x-privacy-timestamp"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        "content-type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def signature_is_valid(secret: str, *, timestamp: str | None, given: str | None, body: bytes, now: datetime) -> bool:
    """Signed with `secret` and recent: a captured callback cannot be replayed later."""
    if not timestamp or not given or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)


# What the toolkit signs for others to check with its public key alone (consent receipts, the
# auditor's bundle): compact JWS with Ed25519 (RFC 9864's algorithm name), the key derived from the
# master secret and published at /.well-known/jwks.json.
ALGORITHM = "Ed25519"


@cache
def signing_jwk(keyring: Keyring) -> OKPKey:
    pem = keyring.signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return OKPKey.import_key(pem)


@cache
def key_id(keyring: Keyring) -> str:
    return signing_jwk(keyring).thumbprint()


def public_jwks(keyring: Keyring) -> dict[str, Any]:
    public = signing_jwk(keyring).as_dict(private=False)
    return {"keys": [{**public, "kid": key_id(keyring), "use": "sig", "alg": ALGORITHM}]}


def sign_compact(keyring: Keyring, payload: bytes, *, media_type: str) -> str:
    header = {"alg": ALGORITHM, "kid": key_id(keyring), "typ": media_type}
    return jws.serialize_compact(header, payload, signing_jwk(keyring), algorithms=[ALGORITHM])


def verified_payload(token: str, keys: Any) -> bytes | None:
    """The payload when the signature is one of `keys` (a key or a key set); None for anything
    forged or malformed."""
    try:
        return jws.deserialize_compact(token, keys, algorithms=[ALGORITHM]).payload
    except (JoseError, ValueError):
        return None
