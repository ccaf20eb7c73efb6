"""Signed consent receipts: compact JWS with the toolkit's Ed25519 key (`privacy.signing`), checked
with the public key alone, as published at /.well-known/jwks.json."""

from __future__ import annotations

import json
from typing import Any

from privacy.keys import Keyring
from privacy.signing import sign_compact, signing_jwk, verified_payload

MEDIA_TYPE = "consent-receipt+jws"


def sign_receipt(keyring: Keyring, claims: dict[str, Any]) -> str:
    payload = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
    return sign_compact(keyring, payload, media_type=MEDIA_TYPE)


def read_receipt(keyring: Keyring, token: str) -> dict[str, Any] | None:
    """The receipt's claims when its signature is ours; None for anything forged or malformed."""
    if len(token) > 4096:
        return None
    payload = verified_payload(token, signing_jwk(keyring))
    try:
        claims = json.loads(payload) if payload is not None else None
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None
