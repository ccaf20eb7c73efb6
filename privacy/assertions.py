"""Identity assertions: short-lived JWTs with which the organisation's own application vouches for
its signed-in user. The application signs with its private key; the toolkit holds only the public
keys registered for that application (or site), so it can check an assertion but never forge one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.errors import FieldError, Unauthorized
from privacy.models import UsedAssertion

ALGORITHMS = ["EdDSA", "Ed25519", "ES256", "RS256"]
PUBLIC_KEY_TYPES = {"OKP", "EC", "RSA"}
MAX_LIFETIME_SECONDS = 15 * 60
MAX_TOKEN_LENGTH = 4096


@dataclass(frozen=True)
class Assertion:
    subject: str
    email: str | None
    token_id: str | None
    expires_at: int


def check_public_keys(keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Registered keys must be public JWKs: an application's secret never belongs in the configuration."""
    for index, key in enumerate(keys):
        if key.get("kty") not in PUBLIC_KEY_TYPES:
            raise ValueError(f"key {index}: kty must be one of {sorted(PUBLIC_KEY_TYPES)}")
        if "d" in key:
            raise ValueError(f"key {index}: a private key was given; register the public key only")
    try:
        if keys:
            KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError, TypeError) as error:
        raise ValueError(f"not a valid JWK: {error}") from error
    return keys


def read_assertion(token: str, *, keys: list[dict[str, Any]], audience: str, now: datetime) -> Assertion:
    """The assertion's identity when it is signed by one of `keys`, meant for `audience`, current
    and short-lived; `Unauthorized` otherwise, saying which check failed."""
    if not keys:
        raise Unauthorized(f"'{audience}' has no registered key for identity assertions")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("identity assertion is too long")
    moment = int(now.timestamp())
    try:
        decoded = jwt.decode(token, KeySet.import_key_set({"keys": keys}), algorithms=ALGORITHMS)
        registry = jwt.JWTClaimsRegistry(
            now=moment,
            leeway=30,
            aud={"essential": True, "value": audience},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise Unauthorized(
            "identity assertion is not valid", errors=[FieldError("identity", describe(error))]
        ) from error
    claims = decoded.claims
    if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME_SECONDS:
        raise Unauthorized(f"identity assertion may live at most {MAX_LIFETIME_SECONDS // 60} minutes")
    email = claims.get("email")
    return Assertion(
        subject=str(claims["sub"])[:300],
        email=str(email)[:254] if isinstance(email, str) and "@" in email else None,
        token_id=str(claims["jti"])[:200] if "jti" in claims else None,
        expires_at=int(claims["exp"]),
    )


def describe(error: Exception) -> str:
    return getattr(error, "description", None) or type(error).__name__


async def use_once(session: AsyncSession, assertion: Assertion) -> None:
    """Refuse an assertion seen before; remember this one until it expires."""
    if assertion.token_id is None:
        raise Unauthorized("this identity assertion must carry a jti claim: it may be used once only")
    token_id_hash = hashlib.sha256(assertion.token_id.encode()).hexdigest()
    if await session.get(UsedAssertion, token_id_hash) is not None:
        raise Unauthorized("this identity assertion has been used already")
    session.add(
        UsedAssertion(token_id_hash=token_id_hash, expires_at=datetime.fromtimestamp(assertion.expires_at, UTC))
    )
    await session.flush()
