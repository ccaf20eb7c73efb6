"""The breach register through its API: the 72-hour clock (also across the changes of the clocks
in Europe), reminders once each, notifications in phases and late ones with their reasons, the
controllers told, the notification document, and auditors who read but never write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from breaches.models import Breach
from privacy.actors import Role
from privacy.audit import AuditEntry
from tests.breaches.conftest import CONTROLLER_EMAIL
from tests.conftest import add_user
from tests.dsar.conftest import pdf_text
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]
BRUSSELS = ZoneInfo("Europe/Brussels")


def breach(aware_at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "aware_at": aware_at.isoformat(),
        "summary": "A support laptop with an unencrypted export of customer contacts was stolen",
        "nature": ["confidentiality"],
        "activities": ["customer-support"],
        "data_categories": ["contact"],
        "people_affected": 1200,
        "records_affected": 1500,
        "consequences": "Phishing aimed at the customers named in the export",
        "measures_taken": "Laptop wiped remotely; passwords reset",
        **fields,
    }


async def recorded(web: Client, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    aware_at = fields.pop("aware_at", datetime.now(UTC) - timedelta(hours=1))
    answer = await web.post("/api/v1/admin/breaches", json=breach(aware_at, **fields), headers=headers)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.mark.parametrize(
    "aware_local",
    [
        datetime(2026, 3, 28, 23, 30, tzinfo=BRUSSELS),  # the night the clocks go forward
        datetime(2026, 10, 24, 23, 30, tzinfo=BRUSSELS),  # the night they go back
    ],
)
async def test_the_notification_is_due_exactly_72_hours_after_awareness_whatever_the_clocks_do(
    web: Client, officer: dict[str, str], aware_local: datetime
) -> None:
    created = await recorded(web, officer, aware_at=aware_local)
    due = datetime.fromisoformat(created["notification_due_at"])
    assert due.utcoffset() == timedelta(0), "given in UTC"
    assert due - aware_local == timedelta(hours=72), "72 hours of real time, not three calendar days"
    assert created["clock"] == "late" and created["hours_left"] < 0


async def test_the_clock_runs_and_auditors_read_but_never_write(
    web: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    created = await recorded(web, officer)
    assert created["clock"] == "running" and 70.9 <= created["hours_left"] <= 71.0
    assert created["reference"].startswith("B-")
    listed = (await web.get("/api/v1/admin/breaches", headers=auditor)).json()
    assert [item["reference"] for item in listed] == [created["reference"]]
    url = f"/api/v1/admin/breaches/{created['id']}"
    refused = [
        await web.post("/api/v1/admin/breaches", json=breach(datetime.now(UTC)), headers=auditor),
        await web.put(url, json=breach(datetime.now(UTC)), headers=auditor),
        await web.post(f"{url}/notifications", json={"notified_at": datetime.now(UTC).isoformat()}, headers=auditor),
        await web.post(f"{url}/controllers", headers=auditor),
    ]
    assert [answer.status_code for answer in refused] == [403] * 4


async def test_a_breach_names_only_what_the_register_holds_and_is_not_aware_in_the_future(
    web: Client, officer: dict[str, str]
) -> None:
    unknown = breach(datetime.now(UTC), activities=["no-such-activity"], subprocessors=["nobody"])
    answer = await web.post("/api/v1/admin/breaches", json=unknown, headers=officer)
    assert answer.status_code == 422
    assert {error["path"] for error in answer.json()["errors"]} == {"activities[0]", "subprocessors[0]"}
    future = await web.post(
        "/api/v1/admin/breaches", json=breach(datetime.now(UTC) + timedelta(hours=2)), headers=officer
    )
    assert future.status_code == 422
    no_reason = await web.post(
        "/api/v1/admin/breaches", json=breach(datetime.now(UTC), notify_authority=False), headers=officer
    )
    assert no_reason.status_code in (400, 422) and "unlikely to result in a risk" in no_reason.text


async def test_not_notifying_is_documented_with_its_reason_and_stops_the_clock(
    web: Client, officer: dict[str, str], breach_sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await recorded(web, officer)
    reason = "The lost backup tape was encrypted with AES-256 and the key was not lost with it."
    changed = breach(datetime.fromisoformat(created["aware_at"]), notify_authority=False, no_notification_reason=reason)
    answer = await web.put(f"/api/v1/admin/breaches/{created['id']}", json=changed, headers=officer)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["clock"], answer.json()["hours_left"]) == ("not_notified", None)
    async with breach_sessions() as session:
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == created["reference"]))
        )
    assert actions == ["breach.recorded", "breach.updated"], "each version of the breach is in the audit trail"


async def test_reminders_at_24_48_66_hours_and_late_go_once_each(
    web: Client,
    officer: dict[str, str],
    mailbox: Mailbox,
    background: Any,
    breach_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_user(breach_sessions, "dpo@example.org", Role.PRIVACY_OFFICER)
    created = await recorded(web, officer, aware_at=datetime.now(UTC) - timedelta(hours=2))
    await background()
    assert mailbox.to("dpo@example.org") == [], "nothing before 24 hours"
    subjects: list[str] = []
    for hours in (25, 49, 67, 73):
        async with breach_sessions() as session, session.begin():
            aware = datetime.now(UTC) - timedelta(hours=hours)
            await session.execute(update(Breach).where(Breach.reference == created["reference"]).values(aware_at=aware))
        await background()
        await background()  # a second pass sends nothing more
        subjects = [message["Subject"] for message in mailbox.to("dpo@example.org")]
    assert len(subjects) == 4, subjects
    assert "is due in 47 hours" in subjects[0] and "is late by 1 hour" in subjects[3]
    assert "reasons for the delay" in body_of(mailbox.to("dpo@example.org")[3])


async def test_notifications_come_in_phases_and_a_late_one_says_why(
    web: Client, officer: dict[str, str], breach_sessions: async_sessionmaker[AsyncSession]
) -> None:
    created = await recorded(web, officer, aware_at=datetime.now(UTC) - timedelta(hours=80))
    url = f"/api/v1/admin/breaches/{created['id']}/notifications"
    now = datetime.now(UTC).isoformat()
    complement_first = await web.post(url, json={"phase": "complement", "notified_at": now}, headers=officer)
    assert complement_first.status_code == 409
    unexplained = await web.post(url, json={"notified_at": now}, headers=officer)
    assert unexplained.status_code == 422 and unexplained.json()["errors"][0]["path"] == "delay_reason"
    why = "The theft was reported to us by the police only on the third day; we notified within hours of that."
    initial = await web.post(
        url, json={"notified_at": now, "delay_reason": why, "authority_reference": "BlnBDI-55"}, headers=officer
    )
    assert initial.status_code == 201, initial.text
    assert (initial.json()["late"], initial.json()["phase"]) == (True, "initial")
    complement = await web.post(url, json={"phase": "complement", "notified_at": now}, headers=officer)
    assert complement.status_code == 201
    shown = (await web.get(f"/api/v1/admin/breaches/{created['id']}", headers=officer)).json()
    assert shown["clock"] == "notified" and [n["phase"] for n in shown["notifications"]] == ["initial", "complement"]
    assert shown["notify_authority"] is True, "the notification made is the decision to notify"
    async with breach_sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("breach.%"))))
    assert actions.count("breach.authority_notified") == 2


async def test_the_controllers_of_processor_activities_are_told_once(
    web: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    created = await recorded(web, officer, activities=["hosting-customer-content", "hosting-kunde-mail"])
    url = f"/api/v1/admin/breaches/{created['id']}/controllers"
    first = (await web.post(url, headers=officer)).json()
    assert first == {
        "notified": ["Kunde GmbH"],
        "already": [],
        "without_email": ["Each hosting customer (per the data processing agreement)"],
    }
    assert (await web.post(url, headers=officer)).json()["already"] == ["Kunde GmbH"]
    await background()
    [letter] = mailbox.to(CONTROLLER_EMAIL)
    assert created["reference"] in letter["Subject"]
    assert "Phishing aimed at the customers" in body_of(letter) and "Art. 33(2)" in body_of(letter)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["(a) Nature of the breach", "(b) Contact point", "(c) Likely consequences", "(d) Measures taken"]),
        ("de", ["(a) Art der Verletzung", "(b) Anlaufstelle", "(c) Wahrscheinliche Folgen", "(d) Ergriffene"]),
    ],
)
async def test_the_notification_document_follows_article_33_3_in_the_organisations_language(
    web: Client, officer: dict[str, str], lang: str, expected: list[str]
) -> None:
    created = await recorded(web, officer)
    url = f"/api/v1/admin/breaches/{created['id']}/notification"
    as_json = (await web.get(url, headers=officer)).json()
    assert as_json["language"] == "de", "the demo organisation is in Germany"
    assert list(as_json)[5:12] == [
        "aware_at",
        "started_at",
        "ended_at",
        "a_nature",
        "b_contact",
        "c_consequences",
        "d_measures",
    ]
    assert as_json["b_contact"]["email"] == "dpo@nordlicht-hosting.example"
    pdf = await web.get(f"{url}.pdf?lang={lang}", headers=officer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(pdf.content).split())
    positions = [text.find(heading) for heading in expected]
    assert -1 not in positions and positions == sorted(positions), text
    assert "1200" in text and "Phishing aimed at the customers" in text
