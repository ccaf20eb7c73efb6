"""The auditor's bundle: one ZIP of the records an audit asks for, with a manifest holding the
SHA-256 of every file, signed with the toolkit's Ed25519 key (a compact JWS), so anyone with the
public key alone can tell that no file was changed. The ZIP itself is written deterministically
(stored, fixed times and attributes), so `verify_bundle` also rebuilds it from its files and finds a
changed byte anywhere, in the ZIP's own headers too. Large parts are written as they are read."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any, cast

import anyio.to_thread
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from consent import service as consent_service
from consent.schemas import ConsentSetup
from dsar import service as dsar_service
from privacy import audit, notice, register
from privacy.csvfile import csv_bytes
from privacy.exports import build_record, record_csv, record_pdf
from privacy.keys import keyring_of
from privacy.models import AuditEntry
from privacy.signing import ALGORITHM, sign_compact
from retention import service as retention_service
from subprocessors import service as subprocessor_service

if TYPE_CHECKING:
    from joserfc.jwk import KeySetSerialization

MANIFEST, SIGNATURE = "manifest.json", "manifest.jws"
MANIFEST_TYPE = "audit-bundle-manifest+jws"
Progress = Callable[[str], None]


class _HashingWriter:
    def __init__(self, target: IO[bytes]) -> None:
        self.target, self.digest, self.size = target, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.target.write(data)
        self.digest.update(data)
        self.size += len(data)


@dataclass
class _Archive:
    zip: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)
    progress: Progress | None = None

    @contextmanager
    def member(self, name: str) -> Iterator[_HashingWriter]:
        if self.progress is not None:
            self.progress(name)
        with self.zip.open(_entry(name), "w", force_zip64=True) as target:
            writer = _HashingWriter(target)
            yield writer
        self.files.append({"name": name, "sha256": writer.digest.hexdigest(), "bytes": writer.size})

    def add(self, name: str, data: bytes) -> None:
        with self.member(name) as writer:
            writer.write(data)

    def add_json(self, name: str, value: Any) -> None:
        self.add(name, json.dumps(value, indent=2, ensure_ascii=False, default=str).encode())


async def write_bundle(
    session: AsyncSession, target: IO[bytes], *, now: datetime, progress: Progress | None = None
) -> int:
    """Write the bundle to `target` (a file opened for writing); returns the number of files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive_zip:
        archive = _Archive(archive_zip, progress=progress)
        organisation = await register.require_organisation(session)
        record = build_record(organisation, await register.list_activities(session), generated_at=now)
        archive.add_json("register/ropa.json", record)
        archive.add("register/ropa.csv", record_csv(record).encode())
        archive.add("register/ropa.pdf", await anyio.to_thread.run_sync(record_pdf, record))  # seconds of layout
        await _request_log(session, archive)
        await _consent(session, archive, now=now)
        await _retention(session, archive)
        await _subprocessors(session, archive, now=now)
        await _notice(session, archive)
        await _audit_trail(session, archive)
        manifest = json.dumps(
            {
                "kind": "privacy-toolkit audit bundle",
                "organisation": organisation.legal_name,
                "generated_at": now.isoformat(),
                "files": archive.files,
            },
            indent=2,
            ensure_ascii=False,
        ).encode()
        archive_zip.writestr(_entry(MANIFEST), manifest)
        archive_zip.writestr(_entry(SIGNATURE), _sign(session, manifest))
        return len(archive.files)


def _entry(name: str) -> zipfile.ZipInfo:
    """Every header field fixed, so the same files always make the same bytes (the time the bundle
    was made is in the signed manifest instead)."""
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_STORED
    entry.create_system = 3
    entry.external_attr = 0o644 << 16
    return entry


def _sign(session: AsyncSession, manifest: bytes) -> str:
    return sign_compact(keyring_of(session), manifest, media_type=MANIFEST_TYPE)


async def _request_log(session: AsyncSession, archive: _Archive) -> None:
    with archive.member("requests/request-log.csv") as writer:
        writer.write(csv_bytes([dsar_service.REQUEST_LOG_COLUMNS]))
        async for rows in dsar_service.request_log(session):
            writer.write(csv_bytes(rows))


async def _consent(session: AsyncSession, archive: _Archive, *, now: datetime) -> None:
    loaded = await consent_service.load_setup(session)
    categories = loaded.categories if loaded else []
    statistics = await consent_service.consent_statistics(
        session, categories=categories, since=now - timedelta(days=3650)
    )
    archive.add_json("consent/statistics.json", statistics.__dict__)
    archive.add_json("consent/texts-per-version.json", await _consent_texts(session))


async def _consent_texts(session: AsyncSession) -> list[dict[str, Any]]:
    """The banner texts of every policy version the set-up has had, from the audit trail."""
    versions: dict[tuple[str, str], dict[str, Any]] = {}
    entries = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == "consent.setup_updated").order_by(AuditEntry.seq)
    )
    for entry in entries:
        after = audit.open_payload(session, entry, "after")
        if after is None:
            continue
        setup = ConsentSetup.model_validate(after)
        key = (setup.policy_version, consent_service.banner_text_hash(setup))
        versions.setdefault(
            key,
            {
                "policy_version": key[0],
                "text_hash": key[1],
                "first_used": entry.at.isoformat(),
                "texts": setup.model_dump(mode="json")["texts"],
            },
        )
    return list(versions.values())


async def _retention(session: AsyncSession, archive: _Archive) -> None:
    archive.add_json("retention/rules.json", [row.content for row in await retention_service.list_rules(session)])
    runs = await retention_service.list_runs(session, limit=100_000)
    archive.add_json("retention/runs.json", [run.model_dump(mode="json") for run in runs])
    archive.add_json("retention/backups.json", [b.model_dump() for b in await retention_service.list_backups(session)])


async def _subprocessors(session: AsyncSession, archive: _Archive, *, now: datetime) -> None:
    listed = await subprocessor_service.list_on(session, day=now.date())
    archive.add_json("subprocessors/current.json", listed.model_dump(mode="json"))
    rows: list[list[Any]] = [["id", "key", "name", "kind", "at", "effective_on", "status_after", "summary"]]
    for change in await subprocessor_service.history(session):
        rows.append(
            [
                change.id, change.key, change.content.get("name", ""), change.kind, change.at.isoformat(),
                change.effective_on.isoformat() if change.effective_on else "", change.status_after,
                change.summary or "",
            ]
        )  # fmt: skip
    archive.add("subprocessors/history.csv", csv_bytes(rows))


async def _notice(session: AsyncSession, archive: _Archive) -> None:
    versions = await notice.list_versions(session)
    archive.add_json(
        "notice/versions.json",
        [
            {
                "version": v.version,
                "published_at": v.published_at.isoformat(),
                "published_by": v.published_by,
                "summary": v.summary,
                "material": v.material,
                "content_hash": v.content_hash,
                "content": v.content,
            }
            for v in reversed(versions)
        ],
    )


async def _audit_trail(session: AsyncSession, archive: _Archive) -> None:
    """The chain as stored (who, when, what, and the hashes that link it), then its check."""
    columns = ["seq", "at", "actor", "action", "object_type", "object_id", "payload_digest", "prev_hash", "entry_hash"]
    with archive.member("audit/trail.csv") as writer:
        writer.write(csv_bytes([columns]))
        after = 0
        while True:
            rows = (
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(2000)
                )
            ).all()
            if not rows:
                break
            writer.write(csv_bytes([[getattr(entry, c) for c in columns] for entry in rows]))
            after = rows[-1].seq
    report = await audit.verify_chain(session)
    archive.add_json(
        "audit/chain-check.json",
        {
            "intact": report.intact,
            "checked": report.checked,
            "head_seq": report.head_seq,
            "head_hash": report.head_hash,
            "first_bad_seq": report.first_bad_seq,
            "problem": report.problem,
        },
    )


@dataclass
class BundleCheck:
    problems: list[str]
    files: int = 0
    generated_at: str | None = None

    @property
    def valid(self) -> bool:
        return not self.problems


def verify_bundle(source: IO[bytes] | str, jwks: dict[str, Any]) -> BundleCheck:
    """Check the manifest's signature with the public key set alone, then every file against it."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        return BundleCheck([f"not a readable ZIP: {error}"])
    with archive:
        names = set(archive.namelist())
        if not {MANIFEST, SIGNATURE} <= names:
            return BundleCheck(["the manifest or its signature is missing"])
        try:
            keys = KeySet.import_key_set(cast("KeySetSerialization", jwks))
            verified = jws.deserialize_compact(archive.read(SIGNATURE).decode(), keys, algorithms=[ALGORITHM])
        except (JoseError, ValueError, zipfile.BadZipFile, zlib.error) as error:
            return BundleCheck([f"the manifest's signature does not verify: {type(error).__name__}"])
        if _sha256_of(archive, MANIFEST) != hashlib.sha256(verified.payload).hexdigest():
            return BundleCheck(["manifest.json differs from the manifest that was signed"])
        manifest = json.loads(verified.payload)
        problems = [
            f"{entry['name']}: its SHA-256 differs from the manifest's"
            for entry in manifest["files"]
            if entry["name"] not in names or _sha256_of(archive, entry["name"]) != entry["sha256"]
        ]
        listed = {entry["name"] for entry in manifest["files"]} | {MANIFEST, SIGNATURE}
        problems += [f"{name}: not in the manifest" for name in sorted(names - listed)]
        if not problems and not _rebuilds_to(archive, source):
            problems.append("the ZIP's own bytes (headers, order or padding) differ from those the toolkit writes")
        return BundleCheck(problems, files=len(manifest["files"]), generated_at=manifest.get("generated_at"))


def _sha256_of(archive: zipfile.ZipFile, name: str) -> str | None:
    """None when the member cannot even be read back (a changed byte the ZIP's own CRC catches)."""
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None
    return digest.hexdigest()


def _rebuilds_to(archive: zipfile.ZipFile, source: IO[bytes] | str) -> bool:
    """Write the archive again from its files, exactly as `write_bundle` does, and compare bytes."""
    with tempfile.TemporaryFile() as rebuilt:
        with zipfile.ZipFile(rebuilt, "w", compression=zipfile.ZIP_STORED) as copy:
            for info in archive.infolist():
                if info.filename in (MANIFEST, SIGNATURE):
                    copy.writestr(_entry(info.filename), archive.read(info.filename))
                    continue
                with (
                    archive.open(info.filename) as member,
                    copy.open(_entry(info.filename), "w", force_zip64=True) as out,
                ):
                    while chunk := member.read(1 << 20):
                        out.write(chunk)
        rebuilt.seek(0)
        return _digest_of(rebuilt) == _digest_of_source(source)


def _digest_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _digest_of_source(source: IO[bytes] | str) -> str:
    if isinstance(source, str):
        with open(source, "rb") as stream:
            return _digest_of(stream)
    source.seek(0)
    return _digest_of(source)
