"""Backup stores: where the copies are (country, provider), whether they are encrypted, and their
schedules, in words on the console, in the API and in the Art. 30 record's annex; never an ISO
8601 duration a person has to read."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.composition import configuration
from privacy.errors import Invalid
from privacy.i18n import duration_words
from retention.durations import every_words

Client = AsyncTestClient[Litestar]
ISO_DURATION = re.compile(r"\bP(?:T?\d)")
SNAPSHOTS = {
    "name": "Database snapshots",
    "country": "de",
    "provider": "Hetzner Online GmbH",
    "encrypted": True,
    "schedules": [{"every": "PT1H", "kept": "P1D"}, {"every": "P1D", "kept": "P30D"}],
}
TAPES = {
    "name": "Tapes",
    "country": "CH",
    "provider": "Swiss Vault AG",
    "encrypted": False,
    "schedules": [{"every": "P1W", "kept": "P1Y6M"}],
}


@pytest.mark.parametrize(
    ("duration", "words", "every"),
    [
        ("PT1H", "1 hour", "every hour"),
        ("PT6H", "6 hours", "every 6 hours"),
        ("P1D", "1 day", "every day"),
        ("P30D", "30 days", "every 30 days"),
        ("P1M", "1 month", "every month"),
        ("P12M", "12 months", "every 12 months"),
        ("P1Y6M", "1 year and 6 months", "every 1 year and 6 months"),
        ("P1DT12H30M", "1 day, 12 hours, and 30 minutes", "every 1 day, 12 hours, and 30 minutes"),
        ("P2W", "14 days", "every 14 days"),
        ("P1.5Y", "1.5 years", "every 1.5 years"),
    ],
)
def test_durations_read_in_words(duration: str, words: str, every: str) -> None:
    assert (duration_words(duration), every_words(duration)) == (words, every)


async def test_backup_stores_are_saved_listed_in_words_and_bad_ones_refused(
    staff: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    saved = await staff.put("/api/v1/admin/retention/backups", json=[TAPES, SNAPSHOTS], headers=admin)
    assert saved.status_code == 200, saved.text
    listed = (await staff.get("/api/v1/admin/retention/backups", headers=auditor)).json()
    assert listed == saved.json()
    snapshots, tapes = listed
    assert (snapshots["country"], snapshots["stored_in"]) == ("DE", "Germany (DE), Hetzner Online GmbH")
    assert (snapshots["encryption"], tapes["encryption"]) == ("encrypted", "not encrypted")
    assert snapshots["schedules_in_words"] == ["every hour, kept 1 day", "every day, kept 30 days"]
    assert tapes["schedules_in_words"] == ["every 7 days, kept 1 year and 6 months"]
    for bad in [
        {**TAPES, "country": "UK"},
        {**TAPES, "country": "Switzerland"},
        {**TAPES, "encrypted": "yes"},
        {**TAPES, "schedules": []},
        {key: value for key, value in TAPES.items() if key != "provider"},
        {"name": "daily", "every": "P1D", "kept": "P30D"},
    ]:
        refused = await staff.put("/api/v1/admin/retention/backups", json=[bad], headers=admin)
        assert refused.status_code in (400, 422), bad
    assert (await staff.get("/api/v1/admin/retention/backups", headers=auditor)).json() == listed
    assert (await staff.put("/api/v1/admin/retention/backups", json=[TAPES], headers=auditor)).status_code == 403
    page = " ".join((await staff.get("/console/retention", headers=auditor)).text.split())
    assert "<td>Switzerland (CH), Swiss Vault AG</td> <td>not encrypted</td>" in page
    assert "every hour, kept 1 day; every day, kept 30 days" in page


async def test_the_art30_record_annexes_the_backups_among_its_security_measures(
    staff: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    await staff.put("/api/v1/admin/retention/backups", json=[SNAPSHOTS, TAPES], headers=admin)
    record = (await staff.get("/api/v1/admin/exports/ropa.json", headers=auditor)).json()
    [annex] = [annex for annex in record["annexes"] if annex["key"] == "backups"]
    assert annex["title"] == "Backups (security measures, Art. 30(1)(g))"
    assert annex["entries"][0] == {
        "name": "Database snapshots",
        "stored_in": "Germany (DE), Hetzner Online GmbH",
        "encryption": "encrypted",
        "schedules": ["every hour, kept 1 day", "every day, kept 30 days"],
    }
    assert not ISO_DURATION.search(str(annex))
    rows = list(csv.reader(io.StringIO((await staff.get("/api/v1/admin/exports/ropa.csv", headers=auditor)).text)))
    title = rows.index(["Backups (security measures, Art. 30(1)(g))"])
    assert rows[title + 1] == ["Backups", "Stored in (country, provider)", "Encryption", "Taken and kept"]
    assert rows[title + 3][:3] == ["Tapes", "Switzerland (CH), Swiss Vault AG", "not encrypted"]


def backups_file(*stores: dict[str, Any]) -> str:
    return yaml.safe_dump({"retention": {"backups": list(stores)}})


def test_the_file_refuses_a_schedule_written_the_old_way_with_what_to_write() -> None:
    with pytest.raises(Invalid) as refused:
        configuration().parse(backups_file({"name": "daily", "every": "P1D", "kept": "P30D"}))
    [error] = refused.value.errors
    assert error.path == "retention.backups[0]"
    assert "schedules: [{every: P1D, kept: P30D}]" in error.message
    with pytest.raises(Invalid) as bad_country:
        configuration().parse(backups_file({**SNAPSHOTS, "country": "EL"}))
    assert [error.path for error in bad_country.value.errors] == ["retention.backups[0].country"]
