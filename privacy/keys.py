"""Keys: one master secret, HKDF sub-keys for each use, AES-GCM field encryption with key ids."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.db import make_data_folder
from privacy.errors import PrivacyError
from privacy.models import EncryptionKey
from privacy.settings import Settings

CIPHERTEXT_PREFIX = "v1"
SECRET_FILE = "secret.key"  # noqa: S105 (a file name, not a secret)


class ConfigurationError(PrivacyError):
    status_code = 500
    title = "Configuration error"


class DecryptionFailed(PrivacyError):
    status_code = 500
    title = "Stored data cannot be decrypted"


def load_master_secret(settings: Settings) -> bytes:
    """The configured secret, or on the embedded default one generated once into the data folder."""
    if settings.secret_key is not None:
        secret = settings.secret_key.get_secret_value()
        if len(secret) < 32:
            raise ConfigurationError("PRIVACY_SECRET_KEY must be at least 32 characters")
        return secret.encode()
    if not settings.embedded:
        raise ConfigurationError("PRIVACY_SECRET_KEY is required when PRIVACY_DATABASE_URL is set")
    return _embedded_secret(settings.data_dir / SECRET_FILE)


def _embedded_secret(path: Path) -> bytes:
    make_data_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    os.fchmod(fd, 0o600)  # the umask may have taken more than group and other bits
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


class Keyring:
    """Every key the toolkit uses, derived from the master secret so that one secret is backed up."""

    def __init__(self, master_secret: bytes) -> None:
        self._master = master_secret

    def subkey(self, purpose: str) -> bytes:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"privacy-toolkit/{purpose}".encode())
        return hkdf.derive(self._master)

    @cached_property
    def lookup_key(self) -> bytes:
        return self.subkey("lookup-index")

    @cached_property
    def audit_key(self) -> bytes:
        return self.subkey("audit-chain")

    @cached_property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.subkey("ed25519-signing"))

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for finding a person by an identifier without storing it in clear."""
        return hmac.new(self.lookup_key, value.strip().lower().encode(), hashlib.sha256).hexdigest()

    def encrypt(self, plaintext: str, *, key_id: int, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.subkey(f"field-encryption/{key_id}")).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{CIPHERTEXT_PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def seal(self, data: bytes, *, key_id: int, context: str) -> bytes:
        """Bytes (a file's chunk) encrypted as key id, nonce, ciphertext."""
        nonce = os.urandom(12)
        cipher = AESGCM(self.subkey(f"field-encryption/{key_id}"))
        return key_id.to_bytes(4, "big") + nonce + cipher.encrypt(nonce, data, context.encode())

    def unseal(self, sealed: bytes, *, context: str) -> bytes:
        key_id = int.from_bytes(sealed[:4], "big")
        try:
            return AESGCM(self.subkey(f"field-encryption/{key_id}")).decrypt(
                sealed[4:16], sealed[16:], context.encode()
            )
        except InvalidTag as error:
            raise DecryptionFailed("a stored file failed its integrity check") from error

    def decrypt(self, token: str, *, context: str = "") -> str:
        key_id = key_id_of(token)
        raw = base64.urlsafe_b64decode(token.split(":", 2)[2])
        try:
            plain = AESGCM(self.subkey(f"field-encryption/{key_id}")).decrypt(raw[:12], raw[12:], context.encode())
        except InvalidTag as error:
            raise DecryptionFailed("a stored field failed its integrity check") from error
        return plain.decode()


def key_id_of(token: str) -> int:
    prefix, key_id, _ = token.split(":", 2)
    if prefix != CIPHERTEXT_PREFIX:
        raise DecryptionFailed("unknown ciphertext format")
    return int(key_id)


def keyring_of(session: AsyncSession) -> Keyring:
    """The keyring the session factory was configured with (see `privacy.app.create_app`)."""
    keyring = session.info.get("keyring")
    if not isinstance(keyring, Keyring):
        raise ConfigurationError("this database session was opened without a keyring")
    return keyring


ACTIVE_KEY_ID = "active_key_id"


async def active_key_id(session: AsyncSession) -> int:
    """The newest key id, read once per transaction (a request encrypts several fields)."""
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(ACTIVE_KEY_ID)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return int(cached[1])
    newest = int(await session.scalar(select(func.max(EncryptionKey.id))) or 1)
    session.info[ACTIVE_KEY_ID] = (session.sync_session.get_transaction(), newest)
    return newest


async def encrypt_field(session: AsyncSession, plaintext: str, *, context: str = "") -> str:
    return keyring_of(session).encrypt(plaintext, key_id=await active_key_id(session), context=context)


def decrypt_field(session: AsyncSession, token: str, *, context: str = "") -> str:
    return keyring_of(session).decrypt(token, context=context)
