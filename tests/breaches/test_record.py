"""The Art. 30 record an auditor downloads closes with the breach register: every breach with its
decisions, in JSON, CSV and PDF alike, without the handler or the free description."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.breaches.test_api import breach, recorded
from tests.dsar.conftest import pdf_text

Client = AsyncTestClient[Litestar]
NOT_NOTIFIED = "The lost backup tape was encrypted with AES-256 and the key was not lost with it."
DELAY = "The theft was reported to us by the police only on the third day; we notified within hours."


async def two_breaches(web: Client, officer: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """One notified late to the authority, one decided against notifying, with its reason."""
    notified = await recorded(
        web,
        officer,
        aware_at=datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
        handler="Jane Example, IT security",
        description="Laptop of Max Mustermann stolen from his car",
        high_risk=True,
    )
    late = {"notified_at": datetime.now(UTC).isoformat(), "delay_reason": DELAY}
    answer = await web.post(f"/api/v1/admin/breaches/{notified['id']}/notifications", json=late, headers=officer)
    assert answer.status_code == 201, answer.text
    aware = datetime.now(UTC) - timedelta(hours=3)
    kept = breach(aware, summary="Backup tape lost in transit", notify_authority=False, high_risk=False)
    answer = await web.post(
        "/api/v1/admin/breaches", json={**kept, "no_notification_reason": NOT_NOTIFIED}, headers=officer
    )
    assert answer.status_code == 201, answer.text
    return notified, answer.json()


async def test_the_json_record_lists_every_breach_with_its_decisions_and_no_one_named(
    web: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    notified, kept = await two_breaches(web, officer)
    record = (await web.get("/api/v1/admin/exports/ropa.json", headers=auditor)).json()
    [annex] = [a for a in record["annexes"] if a["key"] == "breaches"]
    assert annex["title"] == "Breach register (Art. 33(5))"
    lines = {line["reference"]: line for line in annex["entries"]}
    assert set(lines) == {notified["reference"], kept["reference"]}
    first = lines[notified["reference"]]
    assert first["aware_at"] == "2026-11-02 09:15"
    assert first["nature"] == ["Confidentiality (disclosure or access)"]
    assert first["numbers"] == "1200 people; 1500 records"
    assert " notified on " in first["authority"] and first["authority"].endswith("late, with the reasons for the delay")
    assert first["people"] == "high risk, to be told: no letter queued yet"
    assert lines[kept["reference"]]["authority"] == f"not notified: {NOT_NOTIFIED}"
    assert lines[kept["reference"]]["people"] == "no high risk to them: not required"
    assert "Jane Example" not in str(annex) and "Mustermann" not in str(annex)


async def test_the_csv_and_pdf_records_close_with_the_breach_register(
    web: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    notified, kept = await two_breaches(web, officer)
    rows = list(csv.reader(io.StringIO((await web.get("/api/v1/admin/exports/ropa.csv", headers=auditor)).text)))
    title = rows.index(["Breach register (Art. 33(5))"])
    assert rows[title - 1] == [], "the annex follows the activities after an empty row"
    header, *lines = rows[title + 1 :]
    assert header[:3] == ["Reference", "What happened", "Became aware (UTC)"]
    assert sorted(line[0] for line in lines) == sorted([notified["reference"], kept["reference"]])
    text = pdf_text((await web.get("/api/v1/admin/exports/ropa.pdf", headers=auditor)).content)
    annex = text[text.rindex("Breach register (Art. 33(5))") :]
    assert notified["reference"] in annex and "Backup tape lost in transit" in annex
    assert "not notified: The lost backup tape was encrypted" in " ".join(annex.split())
    assert "Mustermann" not in text
