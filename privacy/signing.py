"""Requests to and from other systems, signed with a shared secret: HMAC-SHA256 over the timestamp
and the body, checked with a tolerance so that a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

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
