"""Keys: derived sub-keys, sealed fields bound to their place, rotation without losing a field."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import String, Text, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from dsar import consents, restriction
from dsar import service as dsar_service
from dsar import staff as dsar_staff
from dsar.models import DataRequest, Restriction
from dsar.schemas import ConsentIn, StaffRequestIn
from privacy import audit, auth, rotation, systems
from privacy.actors import Role
from privacy.db import utcnow
from privacy.keys import DecryptionFailed, Keyring, key_id_of, load_master_secret
from privacy.models import AuditEntry, StaffUser
from privacy.schemas import SystemIn
from privacy.settings import Settings
from privacy.systems import save_system
from retention import service as retention_service
from retention.schemas import HoldIn
from subprocessors import notices
from subprocessors import service as subprocessor_service
from subprocessors.schemas import AnnouncementIn, ObjectionIn
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


# Every column that holds an encrypted field, written out so that the check does not take the
# product's own list (`privacy.rotation`) as its oracle. A new encrypted column must be added here.
ENCRYPTED = {
    ("staff_users", "email_encrypted"),
    ("audit_entries", "before_encrypted"),
    ("audit_entries", "after_encrypted"),
    ("outbox_messages", "recipient_encrypted"),
    ("outbox_messages", "body_encrypted"),
    ("data_requests", "email_encrypted"),
    ("data_requests", "name_encrypted"),
    ("data_requests", "details_encrypted"),
    ("data_requests", "corrections_encrypted"),
    ("restrictions", "email_encrypted"),
    ("recorded_consents", "email_encrypted"),
    ("restrictions", "lift_reason_encrypted"),
    ("data_request_events", "note_encrypted"),
    ("external_systems", "connection_encrypted"),
    ("legal_holds", "subject_encrypted"),
    ("subprocessor_subscribers", "email_encrypted"),
    ("subprocessor_objections", "email_encrypted"),
    ("subprocessor_objections", "reason_encrypted"),
}


async def columns_sealed_under(url: str, key_id: int) -> set[tuple[str, str]]:
    """Every text column of every table (read from the database's own catalogue) that holds a
    value sealed under `key_id`."""
    engine = create_async_engine(url)
    found = set()
    async with engine.connect() as connection:
        tables = await connection.run_sync(
            lambda sync: {name: inspect(sync).get_columns(name) for name in inspect(sync).get_table_names()}
        )
        for table, columns in tables.items():
            for column in columns:
                if not isinstance(column["type"], String | Text):
                    continue
                quoted = connection.dialect.identifier_preparer.quote
                sealed = await connection.scalar(
                    text(f"SELECT count(*) FROM {quoted(table)} WHERE {quoted(column['name'])} LIKE :prefix"),  # noqa: S608
                    {"prefix": f"v1:{key_id}:%"},
                )
                if sealed:
                    found.add((table, column["name"]))
    await engine.dispose()
    return found


async def fill_every_encrypted_column(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        await auth.create_user(
            session, email="dana@example.org", password="a long password", role=Role.AUDITOR, actor=SYSTEM
        )
        letter = StaffRequestIn.model_validate(
            {
                "type": "rectification",
                "email": "ada@example.org",
                "name": "Ada",
                "received_at": now.isoformat(),
                "channel": "letter",
                "notes": "Letter with a copy of her passport",
                "corrections": [{"field": "surname", "value": "King"}],
                "verification": "letter with ID",
            }
        )
        await dsar_staff.record_staff_request(session, data=letter, actor=SYSTEM, settings=settings, now=now)
        restriction_letter = StaffRequestIn.model_validate(
            {**letter.model_dump(), "type": "restriction", "corrections": [], "restriction_ground": "legal_claims"}
        )
        restricted = await dsar_staff.record_staff_request(
            session, data=restriction_letter, actor=SYSTEM, settings=settings, now=now
        )
        await restriction.record(session, request=restricted, email="ada@example.org", now=now)
        sign_up = ConsentIn(
            email="ada@example.org", activity="marketing-prospects", wording="Send me news", source="form", given_at=now
        )
        await consents.record_consent(session, consent=sign_up, actor=SYSTEM, now=now)
        await session.flush()
        placed = await session.scalar(select(Restriction))
        assert placed is not None
        await restriction.announce_lift(
            session, restriction_id=placed.id, reason="The claim was settled.", actor=SYSTEM, settings=settings, now=now
        )
        crm = SystemIn(key="crm", name="CRM", kind="http", url="https://crm.example.org/privacy", secret="c" * 40)
        await save_system(session, system=crm, actor=SYSTEM, settings=settings, now=now)
        hold = HoldIn(subject="bob@example.org", reason="litigation")
        await retention_service.place_hold(session, hold=hold, actor=SYSTEM, now=now)
        await notices.subscribe(session, email="cio@customer.example", public_url="http://x", now=now)
        await subprocessor_service.announce(
            session,
            key="matomo-cloud",
            announcement=AnnouncementIn(),
            settings=settings,
            actor=SYSTEM,
            now=now,
        )
        objection = ObjectionIn(organisation="Customer GmbH", email="legal@customer.example", reason="US parent")
        await notices.object_to(session, key="matomo-cloud", objection=objection, now=now)


async def test_after_a_rotation_no_text_column_anywhere_holds_a_field_under_the_old_key(settings: Settings) -> None:
    app = await app_with_demo(settings)
    async with sessions_of(app, settings) as sessions:
        await fill_every_encrypted_column(sessions, settings)
        assert await columns_sealed_under(settings.effective_database_url, 1) == ENCRYPTED, "data in every column"
        result = subprocess.run(
            privacy_command("keys", "rotate"), env=environment_for(settings), capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert await columns_sealed_under(settings.effective_database_url, 1) == set()
        assert await columns_sealed_under(settings.effective_database_url, 2) == ENCRYPTED
        async with sessions() as session:
            request = await session.scalar(select(DataRequest))
            assert request is not None and dsar_service.email_of(session, request=request) == "ada@example.org"
            assert (await systems.connection(session, key="crm")).secret == "c" * 40
            assert (await audit.verify_chain(session)).intact
    await app.state.db_config.get_engine().dispose()
