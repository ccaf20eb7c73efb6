"""Signed consent receipts: compact JWS with Ed25519 (RFC 9864's algorithm name), checked with the
public key alone, as published at /.well-known/jwks.json."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from privacy.keys import Keyring

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


def sign_receipt(keyring: Keyring, claims: dict[str, Any]) -> str:
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    header = {"alg": ALGORITHM, "kid": key_id(keyring), "typ": "consent-receipt+jws"}
    return jws.serialize_compact(header, payload, signing_jwk(keyring), algorithms=[ALGORITHM])


def read_receipt(keyring: Keyring, token: str) -> dict[str, Any] | None:
    """The receipt's claims when its signature is ours; None for anything forged or malformed."""
    if len(token) > 4096:
        return None
    try:
        verified = jws.deserialize_compact(token, signing_jwk(keyring), algorithms=[ALGORITHM])
        claims = json.loads(verified.payload)
    except (JoseError, ValueError):
        return None
    return claims if isinstance(claims, dict) else None
