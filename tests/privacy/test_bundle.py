"""The auditor's bundle: what it holds, its signed manifest checked with the public key alone, and
any changed byte failing the check."""

from __future__ import annotations

import csv
import io
import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc.jwk import OKPKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from privacy.bundle import verify_bundle
from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of, environment_for, privacy_command

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


async def bundle_of(web: Client, headers: dict[str, str]) -> bytes:
    answer = await web.get("/api/v1/admin/exports/audit-bundle", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/zip")
    return answer.content


async def test_bundle_holds_the_records_and_its_manifest_verifies_with_the_public_key(
    web: Client, auditor: dict[str, str], officer: dict[str, str]
) -> None:
    staff_request = {
        "type": "access", "email": "ada@example.org", "received_at": "2026-11-02T09:00:00Z", "channel": "letter",
        "verification": "signed letter with a copy of an ID",
    }  # fmt: skip
    assert (await web.post("/api/v1/admin/requests", json=staff_request, headers=officer)).status_code == 201
    await web.post("/api/v1/admin/notice/versions", json={"summary": "First version"}, headers=officer)
    breach = {"aware_at": "2026-11-03T08:00:00+01:00", "summary": "Lost backup tape", "handler": "Grete Example"}
    assert (await web.post("/api/v1/admin/breaches", json=breach, headers=officer)).status_code == 201
    content = await bundle_of(web, auditor)
    jwks = (await web.get("/.well-known/jwks.json")).json()
    check = verify_bundle(io.BytesIO(content), jwks)
    assert check.valid, check.problems

    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    expected = {
        "register/ropa.json", "register/ropa.csv", "register/ropa.pdf", "requests/request-log.csv",
        "consent/statistics.json", "consent/texts-per-version.json", "retention/rules.json", "retention/runs.json",
        "retention/backups.json", "subprocessors/current.json", "subprocessors/history.csv", "notice/versions.json",
        "breaches/register.json", "dpias/screenings.json", "dpias/assessments.json",
        "audit/trail.csv", "audit/chain-check.json", "manifest.json", "manifest.jws",
    }  # fmt: skip
    assert names == expected
    log = list(csv.DictReader(io.StringIO(archive.read("requests/request-log.csv").decode())))
    assert [(row["type"], row["channel"], row["received_at"][:10], row["due_at"]) for row in log] == [
        ("access", "letter", "2026-11-02", "2026-12-02")
    ]
    everything = b"".join(archive.read(name) for name in names if name != "audit/trail.csv")
    assert b"ada@example.org" not in everything, "no personal data of requesters"
    assert b"Grete Example" not in everything and b"Lost backup tape" in archive.read("breaches/register.json")
    chain = json.loads(archive.read("audit/chain-check.json"))
    assert chain["intact"] is True and chain["checked"] > 10
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("register/ropa.pdf"))).pages)
    assert "Nordlicht Hosting GmbH" in pdf_text
    assert [v["version"] for v in json.loads(archive.read("notice/versions.json"))] == [1]
    texts = json.loads(archive.read("consent/texts-per-version.json"))
    assert texts and {"en", "de"} <= set(texts[0]["texts"])
    assert "stripe" in archive.read("subprocessors/history.csv").decode()
    trail = (await web.get("/api/v1/admin/audit", headers=auditor)).json()
    assert trail[0]["action"] == "export.audit_bundle", "each download is itself in the audit trail"


async def test_any_changed_byte_or_another_key_fails_the_check(web: Client, auditor: dict[str, str]) -> None:
    content = await bundle_of(web, auditor)
    jwks = (await web.get("/.well-known/jwks.json")).json()
    for position in [*range(0, len(content), max(1, len(content) // 97)), *zip_structure_positions(content)]:
        changed = bytearray(content)
        changed[position] ^= 0x01
        assert not verify_bundle(io.BytesIO(bytes(changed)), jwks).valid, f"byte {position} changed unnoticed"

    archive = zipfile.ZipFile(io.BytesIO(content))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w") as copy:
        for name in archive.namelist():
            data = archive.read(name)
            copy.writestr(name, data.replace(b"Nordlicht", b"Nordlicxt") if name == "register/ropa.csv" else data)
    check = verify_bundle(io.BytesIO(rewritten.getvalue()), jwks)
    assert check.problems == ["register/ropa.csv: its SHA-256 differs from the manifest's"]

    other = OKPKey.import_key(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    stranger = {"keys": [{**other.as_dict(private=False), "kid": jwks["keys"][0]["kid"], "alg": "Ed25519"}]}
    assert not verify_bundle(io.BytesIO(content), stranger).valid, "a bundle checks only with the key that signed it"


def zip_structure_positions(content: bytes) -> list[int]:
    """Every byte of the local headers and the central directory, where a flipped bit can mark a
    file encrypted, name another compression method or break a name's encoding."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    headers = [
        position
        for info in archive.infolist()
        for position in range(info.header_offset, info.header_offset + 30 + len(info.filename))
    ]
    end_of_directory = content.rfind(b"PK\x05\x06")
    (directory_start,) = struct.unpack("<I", content[end_of_directory + 16 : end_of_directory + 20])
    return [*headers, *range(directory_start, len(content))]


def test_command_line_writes_and_verifies_a_bundle(settings: Settings, tmp_path: Path) -> None:
    env = environment_for(settings)
    subprocess.run(privacy_command("demo"), env=env, check=True, capture_output=True)
    path = tmp_path / "bundle.zip"
    written = subprocess.run(
        privacy_command("export", "audit-bundle", str(path)), env=env, capture_output=True, text=True, check=True
    )
    assert "register/ropa.pdf" in written.stderr and "signed manifest" in written.stdout
    ok = subprocess.run(privacy_command("verify-bundle", str(path)), env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "bundle intact" in ok.stdout
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))
    bad = subprocess.run(privacy_command("verify-bundle", str(path)), env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "FAILED" in bad.stderr


async def test_the_few_lines_of_python_in_the_docs_check_a_bundle(
    web: Client, auditor: dict[str, str], tmp_path: Path
) -> None:
    docs = (Path(__file__).parents[2] / "docs" / "audit-bundle.md").read_text()
    snippet = docs.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "audit-bundle.zip").write_bytes(await bundle_of(web, auditor))
    (tmp_path / "jwks.json").write_text((await web.get("/.well-known/jwks.json")).text)
    (tmp_path / "check.py").write_text(snippet)
    checked = subprocess.run([sys.executable, "check.py"], cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout == "bundle intact\n", checked.stderr
    real = json.loads((tmp_path / "jwks.json").read_text())["keys"][0]
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [{**real, "x": "A" * 43}]}))
    forged = subprocess.run([sys.executable, "check.py"], cwd=tmp_path, capture_output=True, text=True)
    assert forged.returncode != 0 and "InvalidSignature" in forged.stderr
