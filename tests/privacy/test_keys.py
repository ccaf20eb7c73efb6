"""Keys: derived sub-keys, sealed fields bound to their place, rotation without losing a field."""

from __future__ import annotations

import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar import service as dsar_service
from dsar.models import DataRequest
from dsar.schemas import StaffRequestIn
from privacy import audit, auth, rotation
from privacy.actors import Role
from privacy.db import utcnow
from privacy.keys import DecryptionFailed, Keyring, key_id_of, load_master_secret
from privacy.models import AuditEntry, OutboxMessage, StaffUser
from privacy.settings import Settings
from subprocessors import notices
from subprocessors.models import Subscriber
from tests.conftest import SYSTEM, app_with_demo, environment_for, privacy_command, sessions_of


def test_sealed_field_opens_only_with_its_key_and_context() -> None:
    keyring = Keyring(b"m" * 40)
    sealed = keyring.encrypt("dana@example.org", key_id=3, context="staff_user:1:email")
    assert "dana" not in sealed
    assert key_id_of(sealed) == 3
    assert keyring.decrypt(sealed, context="staff_user:1:email") == "dana@example.org"
    with pytest.raises(DecryptionFailed):
        keyring.decrypt(sealed, context="audit:1:after")
    with pytest.raises(DecryptionFailed):
        Keyring(b"n" * 40).decrypt(sealed, context="staff_user:1:email")


def test_each_use_has_its_own_key() -> None:
    keyring = Keyring(b"m" * 40)
    assert (
        len({keyring.lookup_key, keyring.audit_key, keyring.subkey("field-encryption/1"), keyring.subkey("csrf")}) == 4
    )
    assert keyring.lookup_hash(" Dana@Example.org ") == keyring.lookup_hash("dana@example.org")


def test_embedded_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=None)  # type: ignore[call-arg]
    first = load_master_secret(settings)
    assert load_master_secret(settings) == first
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_database_url_without_secret_is_refused(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,  # type: ignore[call-arg]
        database_url="postgresql+asyncpg://x@localhost/x",
    )
    with pytest.raises(Exception, match="PRIVACY_SECRET_KEY is required"):
        load_master_secret(settings)


async def test_rotation_reencrypts_every_field_and_keeps_the_chain(
    sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with sessions() as session, session.begin():
        for index in range(3):
            await auth.create_user(
                session, email=f"staff{index}@example.org", password="a long password", role=Role.AUDITOR, actor=SYSTEM
            )
    result = subprocess.run(
        privacy_command("keys", "rotate"), env=environment_for(settings), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "key 2 is active" in result.stdout
    async with sessions() as session:
        assert await rotation.fields_per_key(session) == {2: 3 + 3 + 1}
        emails = sorted(auth.user_label(session, u) for u in (await session.scalars(select(StaffUser))).all())
        assert emails == ["staff0@example.org", "staff1@example.org", "staff2@example.org"]
        assert (await audit.verify_chain(session)).intact
        rotated = await session.scalar(select(AuditEntry).where(AuditEntry.action == "keys.rotated"))
        assert rotated is not None


async def test_rotation_reaches_the_fields_of_every_domain(settings: Settings) -> None:
    app = await app_with_demo(settings)
    async with sessions_of(app, settings) as sessions:
        async with sessions() as session, session.begin():
            request = await dsar_service.record_staff_request(
                session,
                data=StaffRequestIn.model_validate(
                    {
                        "type": "access",
                        "email": "ada@example.org",
                        "name": "Ada",
                        "received_at": "2026-11-02T09:00:00Z",
                        "channel": "letter",
                        "verification": "letter with ID",
                    }
                ),
                actor=SYSTEM,
                settings=settings,
                now=datetime(2026, 11, 2, 10, tzinfo=UTC),
            )
            await notices.subscribe(session, email="cio@customer.example", public_url="http://x", now=utcnow())
        result = subprocess.run(
            privacy_command("keys", "rotate"), env=environment_for(settings), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        async with sessions() as session:
            assert set(await rotation.fields_per_key(session)) == {2}
            stored = await session.get(DataRequest, request.id)
            assert stored is not None and dsar_service.email_of(session, stored) == "ada@example.org"
            sealed = [stored.email_encrypted, stored.name_encrypted]
            sealed += list(await session.scalars(select(OutboxMessage.recipient_encrypted)))
            sealed += list(await session.scalars(select(Subscriber.email_encrypted)))
            assert len(sealed) >= 4 and {key_id_of(token) for token in sealed} == {2}, "no field left under key 1"
    await app.state.db_config.get_engine().dispose()
