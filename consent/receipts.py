"""Signed consent receipts: compact JWS with the toolkit's Ed25519 key (`privacy.signing`), checked
with the public key alone, as published at /.well-known/jwks.json. A receipt carries what one
consent record says, so the visitor keeps their own proof of it."""

from __future__ import annotations

import json
from typing import Any

from consent.schemas import RecordOut
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


def record_out(record: dict[str, Any], *, keyring: Keyring) -> RecordOut:
    """A stored consent record (its column values) as the visitor gets it: with its signed receipt."""
    return RecordOut(
        consent_id=record["consent_id"],
        recorded_at=record["recorded_at"],
        valid_until=record["valid_until"],
        receipt=sign_receipt(keyring, receipt_claims(record)),
    )


def receipt_claims(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "cid": str(record["consent_id"]),
        "site": record["site"],
        "iat": int(record["recorded_at"].timestamp()),
        "exp": int(record["valid_until"].timestamp()),
        "pv": record["policy_version"],
        "th": record["text_hash"],
        "act": record["action"],
        "granted": record["granted"],
        "denied": record["denied"],
        "gpc": record["gpc"],
        "jur": {
            "country": record["country"],
            "region": record["region"],
            "regime": record["regime"],
            "source": record["jurisdiction_source"],
        },
        "ui": record["ui"],
    }
