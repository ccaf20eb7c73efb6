"""Answering verified requests: the access package, portability, the erasure certificate; each
step once, each email once."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import timedelta
from email.header import decode_header, make_header
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from consent.models import ConsentRecord, ConsentSubject
from dsar.models import PackageChunk, RequestStep
from privacy.db import utcnow
from privacy.keys import keyring_of
from privacy.models import AuditEntry
from privacy.register import service as register
from tests.conftest import SYSTEM
from tests.dsar.conftest import ADA, a_year_after, download, pdf_text, submit, verified
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]


async def link_consent(sessions: async_sessionmaker[AsyncSession], email: str) -> uuid.UUID:
    """A choice Ada made on the website while signed in (so linked to her account's email)."""
    consent_id, now = uuid.uuid4(), utcnow()
    async with sessions() as session, session.begin():
        session.add(
            ConsentRecord(
                consent_id=consent_id,
                recorded_at=now,
                site="www",
                policy_version="2026-11",
                text_hash="0" * 64,
                country="DE",
                region=None,
                regime="opt_in",
                jurisdiction_source="cdn",
                gpc=False,
                action="custom",
                granted=["necessary", "analytics"],
                denied=["functional", "advertising"],
                ui="banner",
                ip_truncated="203.0.0.0",
                valid_until=now,
            )
        )
        session.add(
            ConsentSubject(
                consent_id=consent_id,
                site="www",
                subject_hash="s" * 64,
                email_hash=keyring_of(session).lookup_hash(email),
                linked_at=now,
            )
        )
    return consent_id


async def test_access_package_holds_the_data_and_the_article_15_information(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    consent_id = await link_consent(dsar_sessions, ADA)
    granted = await verified(person, mailbox, background)
    assert (await download(person, granted)).status_code == 404, "nothing to download before the answer is ready"
    await background()
    await background()  # a second pass repeats nothing

    answer = await download(person, granted)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert {"data.json", "report.html", "report.pdf", "README.txt"} <= set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    [choice] = data["privacy-toolkit"]["consent"]["consent_choices"]
    assert choice["consent_id"] == str(consent_id) and choice["granted"] == "necessary, analytics"
    assert "privacy-toolkit/consent_choices.csv" in " ".join(archive.namelist())
    report = pdf_text(archive.read("report.pdf"))
    async with dsar_sessions() as session:
        activities = await register.list_activities(session)
    for activity in activities[:3]:
        assert activity.name in report
    assert "supervisory authority" in report and "Art. 15" in report

    subjects = [m["Subject"] for m in mailbox.to(ADA)]
    assert sum("your answer is ready" in s for s in subjects) == 1, subjects
    async with dsar_sessions() as session:
        audited = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "request.package_downloaded")
        )
        stored = b"".join((await session.scalars(select(PackageChunk.data))).all())
    assert audited == 1
    assert b"data.json" not in stored and str(consent_id).encode() not in stored, "encrypted at rest"


async def test_portability_gives_only_what_the_person_provided(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await link_consent(dsar_sessions, ADA)
    granted = await verified(person, mailbox, background, type="portability")
    await background()
    archive = zipfile.ZipFile(io.BytesIO((await download(person, granted)).content))
    data = json.loads(archive.read("data.json"))
    assert set(data["privacy-toolkit"]) == {"consent"}, "earlier requests are ours, not provided by the person"


async def test_erasure_unlinks_once_and_certifies_what_was_kept(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    await link_consent(dsar_sessions, ADA)
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    await background()
    async with dsar_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConsentSubject)) == 0
        assert await session.scalar(select(func.count()).select_from(ConsentRecord)) == 1, "kept, unlinked, as proof"
        steps = (await session.scalars(select(RequestStep))).all()
    assert [(s.action, s.status, s.attempts) for s in steps] == [("erase", "done", 1)]
    answer = await download(person, granted)
    assert answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert "Certificate of erasure" in text and granted["reference"] in text
    assert "1 consent choice" in text and "Art. 7(1)" in text
    gone = a_year_after(utcnow().date())  # the demo's monthly backups are kept 12 months
    assert f"gone by {gone.isoformat()}" in text
    assert sum("your answer is ready" in m["Subject"] for m in mailbox.to(ADA)) == 1


async def test_erasure_certificate_names_the_day_backups_age_out(
    person: Client, mailbox: Mailbox, background: Any, dsar_sessions: async_sessionmaker[AsyncSession]
) -> None:
    from retention import service as retention_service
    from retention.schemas import BackupSchedule, BackupStore

    store = BackupStore(
        name="Snapshots",
        country="DE",
        provider="Hetzner",
        encrypted=True,
        schedules=[BackupSchedule(every="P1D", kept="P30D")],
    )
    async with dsar_sessions() as session, session.begin():
        await retention_service.save_backups(session, stores=[store], actor=SYSTEM, now=utcnow())
    granted = await verified(person, mailbox, background, type="erasure")
    await background()
    text = " ".join(pdf_text((await download(person, granted)).content).split())
    assert f"gone by {(utcnow() + timedelta(days=30)).date().isoformat()}" in text


async def test_a_french_request_gets_its_code_its_letters_and_its_certificate_in_french(
    person: Client, mailbox: Mailbox, background: Any
) -> None:
    reference = (await submit(person, type="erasure", language="fr")).json()["reference"]
    await background()
    [code_mail] = mailbox.to(ADA)
    assert code_mail["Subject"] == f"Votre code pour la demande {reference}"
    found = re.search(r"Votre code est (\d{6})", body_of(code_mail))
    assert found, "the code, in French"
    answer = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": found.group(1)})
    granted = answer.json()
    await background()
    await background()
    ready = mailbox.to(ADA)[-1]
    assert str(make_header(decode_header(ready["Subject"]))) == f"Demande {reference}\u00a0: votre réponse est prête"
    text = " ".join(pdf_text((await download(person, granted)).content).split())
    assert text.startswith("Certificat d'effacement")
    assert f"certifie avoir donné suite à la demande d'effacement {reference}" in text
    assert "Your" not in text and "Certificate" not in text


async def test_a_spanish_access_requests_report_is_in_spanish(
    person: Client, mailbox: Mailbox, background: Any
) -> None:
    reference = (await submit(person, language="es")).json()["reference"]
    await background()
    found = re.search(r"(\d{6})", body_of(mailbox.to(ADA)[-1]))
    assert found
    granted = (await person.post(f"/api/v1/requests/{reference}/verify", json={"code": found.group(1)})).json()
    await background()
    archive = zipfile.ZipFile(io.BytesIO((await download(person, granted)).content))
    report = " ".join(pdf_text(archive.read("report.pdf")).split())
    assert report.startswith("Sus datos personales")
    assert "La ejecución de nuestro contrato con usted (art. 6.1.b RGPD)" in report, "each basis, in Spanish"
    assert "Datos de facturación y pago" in report and "Sus derechos" in report
    assert '<html lang="es">' in archive.read("report.html").decode()
