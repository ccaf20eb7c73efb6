"""Migration 0017: a person an earlier version linked to several consent ids keeps the first one for
their later choices, and their access request still finds every record."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from consent.identity import records_of_person
from consent.models import ConsentSubject
from privacy.db import database_config, migration_commands, upgrade_database
from privacy.keys import Keyring
from tests.conftest import TEST_SECRET
from tests.privacy.test_migrations import empty_database, settings_for

__all__ = ["empty_database"]  # the fixture, shared with the other migration tests

FIRST, SECOND, OTHERS = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


async def _fill_version_0014(url: str, keyring: Keyring) -> None:
    """Ada linked to two ids (her laptop's first, then her phone's), Bo to one, and a second id of
    a person the application gave no email for."""
    ada, bo, anonymous = (keyring.lookup_hash(f"www\x00{subject}") for subject in ("ada", "bo", "anon"))
    ada_email = keyring.lookup_hash("ada@example.org")
    start = datetime(2026, 10, 1, tzinfo=UTC).replace(tzinfo=None)
    links = [
        (FIRST, ada, ada_email, start),
        (SECOND, ada, ada_email, start + timedelta(days=3)),
        (OTHERS, bo, None, start),
        (uuid.uuid4(), anonymous, None, start),
        (uuid.uuid4(), anonymous, None, start + timedelta(days=1)),
    ]
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for consent_id, subject_hash, email_hash, linked_at in links:
            await connection.execute(
                text(
                    "INSERT INTO consent_subjects (consent_id, site, subject_hash, email_hash, linked_at) "
                    "VALUES (:consent_id, 'www', :subject_hash, :email_hash, :linked_at)"
                ),
                {
                    "consent_id": consent_id.bytes if url.startswith("sqlite") else consent_id,
                    "subject_hash": subject_hash,
                    "email_hash": email_hash,
                    "linked_at": linked_at,
                },
            )
        for consent_id in (FIRST, SECOND):
            await connection.execute(
                text(
                    "INSERT INTO consent_records (consent_id, recorded_at, site, policy_version, text_hash, regime, "
                    "jurisdiction_source, gpc, action, granted, denied, ui, valid_until) VALUES (:consent_id, "
                    ":at, 'www', '1', 'h', 'opt_in', 'ip', false, 'reject_all', '[]', '[]', 'banner', :at)"
                ),
                {"consent_id": consent_id.bytes if url.startswith("sqlite") else consent_id, "at": start},
            )
    await engine.dispose()


def test_a_person_with_two_consent_ids_keeps_the_first(empty_database: str, tmp_path: Path) -> None:
    settings = settings_for(empty_database, tmp_path)
    keyring = Keyring(TEST_SECRET.encode())
    migration_commands(settings).upgrade("0014")
    asyncio.run(_fill_version_0014(empty_database, keyring))
    upgrade_database(settings)
    migration_commands(settings).check()

    async def migrated() -> None:
        config = database_config(settings, session_info={"keyring": keyring})
        async with config.create_session_maker()() as session:
            links = (await session.scalars(select(ConsentSubject).order_by(ConsentSubject.linked_at))).all()
            ada = keyring.lookup_hash("www\x00ada")
            assert [link.consent_id for link in links if link.subject_hash == ada] == [FIRST]
            assert len([link for link in links if link.subject_hash == keyring.lookup_hash("www\x00anon")]) == 1
            assert len(links) == 4, "the second id without an email attributes nothing and is gone"
            found = await records_of_person(session, email="ada@example.org")
            assert {record["consent_id"] for record in found} == {str(FIRST), str(SECOND)}
        await config.get_engine().dispose()

    asyncio.run(migrated())
    migration_commands(settings).downgrade("0014")
