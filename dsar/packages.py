"""What the person downloads: a ZIP for access and portability, a PDF certificate for erasure.
Stored encrypted in chunks, served only with the person's token until it expires, then deleted."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dsar.connectors import Erasure, Kept, Table
from dsar.models import DataRequest, PackageChunk, RequestPackage
from dsar.service import add_event
from privacy.csvfile import write_rows
from privacy.db import SessionFactory
from privacy.keys import active_key_id, keyring_of
from privacy.pdf import render_pdf
from privacy.register import service as register
from privacy.settings import Settings
from privacy.templating import jinja_environment
from retention import service as retention_service

TEMPLATES = Path(__file__).parent / "templates"

CHUNK = 1024 * 1024
DATA_SCHEMA_NOTE = (
    "data.json: {system: {data category: {table: [row, ...]}}}; each row an object of column -> value "
    "(strings, numbers, booleans or null; times in ISO 8601, UTC). One CSV per table under csv/, named "
    "system/table.csv, first line the column names."
)


@dataclass
class TableSummary:
    """What the report shows of a table: its first rows and how many there are."""

    system: str
    name: str
    count: int
    rows: list[dict[str, Any]]


SystemsTables = Callable[[], Iterator[list[Table]]]
REPORT_ROWS = 50


def write_zip(
    target: IO[bytes], *, request: DataRequest, systems_tables: SystemsTables, information: dict[str, Any]
) -> list[TableSummary]:
    """Write the package one system at a time (`systems_tables` yields each system's tables and may
    be called again): memory holds one system's rows, never the whole package."""
    portability = request.type == "portability"

    def chosen() -> Iterator[list[Table]]:
        for tables in systems_tables():
            yield [table for table in tables if table.provided_by_person or not portability]

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("data.json", "w") as data_json:
            summaries = _write_data_json(io.TextIOWrapper(data_json, encoding="utf-8"), chosen())
        for tables in chosen():
            for table in tables:
                with archive.open(f"csv/{table.system}/{table.name}.csv", "w") as member:
                    _write_csv(io.TextIOWrapper(member, encoding="utf-8", newline=""), table.rows)
        archive.writestr("README.txt", DATA_SCHEMA_NOTE)
        environment = jinja_environment([TEMPLATES])
        context = {
            "language": request.language,
            "bases": register.BASES,
            "safeguards": register.SAFEGUARDS,
            "request": request,
            "tables": summaries,
            "info": information,
            "portability": portability,
        }
        archive.writestr("report.html", environment.get_template("dsar/report.html").render(**context))
        archive.writestr("report.pdf", render_pdf(environment, "dsar/report.html", context))
    return summaries


def _write_data_json(out: io.TextIOWrapper, systems: Iterator[list[Table]]) -> list[TableSummary]:
    """`{system: {category: {table: [rows]}}}`, written row by row."""
    summaries: list[TableSummary] = []
    out.write("{")
    for tables in systems:
        if not tables:
            continue
        out.write("," if summaries else "")
        out.write(f"\n  {json.dumps(tables[0].system)}: {{")
        by_category = itertools.groupby(sorted(tables, key=lambda t: t.category), key=lambda t: t.category)
        for category_index, (category, in_category) in enumerate(by_category):
            out.write(("," if category_index else "") + f"\n    {json.dumps(category)}: {{")
            for table_index, table in enumerate(in_category):
                out.write(("," if table_index else "") + f"\n      {json.dumps(table.name)}: [")
                for row_index, row in enumerate(table.rows):
                    line = json.dumps(row, ensure_ascii=False, default=str)
                    out.write(("," if row_index else "") + "\n        " + line)
                out.write("\n      ]")
                summaries.append(TableSummary(table.system, table.name, len(table.rows), table.rows[:REPORT_ROWS]))
            out.write("\n    }")
        out.write("\n  }")
    out.write("\n}\n")
    out.flush()
    out.detach()  # leave the zip member for the caller's `with` to close
    return summaries


def _write_csv(out: io.TextIOWrapper, rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    write_rows(out, [columns, *([row.get(column) for column in columns] for row in rows)])
    out.flush()
    out.detach()


def certificate_pdf(
    *, request: DataRequest, erasures: list[Erasure], organisation_name: str, backups_gone_by: date | None
) -> bytes:
    context = {
        "language": request.language,
        "request": request,
        "erasures": erasures,
        "organisation_name": organisation_name,
        "backups_gone_by": backups_gone_by,
    }
    return render_pdf(jinja_environment([TEMPLATES]), "dsar/certificate.html", context)


async def store_package(
    session: AsyncSession,
    *,
    request: DataRequest,
    source: IO[bytes],
    filename: str,
    media_type: str,
    now: datetime,
    days: int,
) -> RequestPackage:
    package = RequestPackage(
        id=uuid.uuid4(),
        request_id=request.id,
        filename=filename,
        media_type=media_type,
        size=0,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(package)
    await session.flush()
    keyring, key_id = keyring_of(session), await active_key_id(session)
    source.seek(0)
    seq = 0
    while chunk := source.read(CHUNK):
        sealed = keyring.seal(chunk, key_id=key_id, context=f"package:{package.id}:{seq}")
        session.add(PackageChunk(package_id=package.id, seq=seq, data=sealed))
        package.size += len(chunk)
        seq += 1
        await session.flush()
    return package


def spooled() -> tempfile.SpooledTemporaryFile[bytes]:
    """A file that stays in memory while small and moves to disk beyond 8 MB."""
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


async def current_package(session: AsyncSession, *, request: DataRequest, now: datetime) -> RequestPackage | None:
    package: RequestPackage | None = await session.scalar(
        select(RequestPackage)
        .where(RequestPackage.request_id == request.id, RequestPackage.expires_at > now)
        .order_by(RequestPackage.created_at.desc())
        .limit(1)
    )
    return package


async def package_chunks(sessions: SessionFactory, package_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The decrypted package, a chunk at a time, in a session of its own that lives as long as the
    download: memory stays at one chunk whatever the package's size."""
    async with sessions() as session:
        keyring = keyring_of(session)
        seq = 0
        while True:
            sealed = await session.scalar(
                select(PackageChunk.data).where(PackageChunk.package_id == package_id, PackageChunk.seq == seq)
            )
            if sealed is None:
                return
            yield keyring.unseal(sealed, context=f"package:{package_id}:{seq}")
            seq += 1


async def delete_expired_packages(session: AsyncSession, *, now: datetime) -> int:
    expired = list(await session.scalars(select(RequestPackage.id).where(RequestPackage.expires_at <= now)))
    if expired:
        await session.execute(delete(PackageChunk).where(PackageChunk.package_id.in_(expired)))
        await session.execute(delete(RequestPackage).where(RequestPackage.id.in_(expired)))
    return len(expired)


async def certify_erasure(
    session: AsyncSession, *, request: DataRequest, results: list[dict[str, Any]], settings: Settings, now: datetime
) -> None:
    """Every system has erased what it may: the certificate, with what each kept and why, and when
    the backups holding the data are gone too."""
    erasures = [
        Erasure(
            system=result["erasure"]["system"],
            erased=result["erasure"]["erased"],
            kept=[Kept(k["what"], k["why"], _date(k["until"])) for k in result["erasure"]["kept"]],
        )
        for result in results
        if "erasure" in result
    ]
    organisation = await register.require_organisation(session)
    pdf = certificate_pdf(
        request=request,
        erasures=erasures,
        organisation_name=organisation.legal_name,
        backups_gone_by=await retention_service.backups_gone_by(session, erased_at=now),
    )
    await store_package(
        session,
        request=request,
        source=io.BytesIO(pdf),
        filename=f"{request.reference}-erasure-certificate.pdf",
        media_type="application/pdf",
        now=now,
        days=settings.package_days,
    )
    request.outcome = "erased"
    await add_event(session, request=request, kind="package_ready", actor="system", at=now)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
