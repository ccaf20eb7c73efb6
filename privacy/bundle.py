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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, cast

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from privacy import audit
from privacy.csvfile import csv_bytes
from privacy.domain import BundlePart
from privacy.keys import keyring_of
from privacy.models import AuditEntry
from privacy.signing import ALGORITHM, sign_compact

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
class Archive:
    """The files of the bundle as they are written, each with its SHA-256 for the manifest."""

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
    session: AsyncSession,
    target: IO[bytes],
    *,
    parts: Sequence[BundlePart],
    now: datetime,
    progress: Progress | None = None,
) -> int:
    """Write the bundle to `target` (a file opened for writing) from every domain's parts, then
    the audit trail; returns the number of files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive_zip:
        archive = Archive(archive_zip, progress=progress)
        described: dict[str, Any] = {}
        for part in [*parts, audit_trail]:
            described |= await part(session, archive, now) or {}
        manifest = json.dumps(
            {
                "kind": "privacy-toolkit audit bundle",
                **described,
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


async def audit_trail(session: AsyncSession, archive: Archive, now: datetime) -> None:
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


# What reading a member of a damaged ZIP raises: its CRC or deflate stream broken, a header naming
# a compression method that does not exist, or a name no longer UTF-8.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, UnicodeDecodeError)
ENCRYPTED = 0x1  # general purpose flag bit 0 (APPNOTE 4.4.4); the toolkit never writes it


def verify_bundle(source: IO[bytes] | str, jwks: dict[str, Any]) -> BundleCheck:
    """Check the manifest's signature with the public key set alone, then every file against it."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, *UNREADABLE) as error:
        return BundleCheck([f"not a readable ZIP: {error}"])
    with archive:
        try:
            return _check_archive(archive, source, jwks)
        except UNREADABLE as error:
            return BundleCheck([f"a file in the ZIP cannot be read back: {type(error).__name__}"])


def _check_archive(archive: zipfile.ZipFile, source: IO[bytes] | str, jwks: dict[str, Any]) -> BundleCheck:
    names = set(archive.namelist())
    if not {MANIFEST, SIGNATURE} <= names:
        return BundleCheck(["the manifest or its signature is missing"])
    encrypted = [info.filename for info in archive.infolist() if info.flag_bits & ENCRYPTED]
    if encrypted:
        return BundleCheck([f"{name}: marked encrypted, which the toolkit never writes" for name in encrypted])
    try:
        keys = KeySet.import_key_set(cast("KeySetSerialization", jwks))
        verified = jws.deserialize_compact(archive.read(SIGNATURE).decode(), keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as error:
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
    """None when the member cannot be read back, so that one damaged file is named among the others."""
    digest = hashlib.sha256()
    try:
        with archive.open(name) as member:
            while chunk := member.read(1 << 20):
                digest.update(chunk)
    except UNREADABLE:
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
