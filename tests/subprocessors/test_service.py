"""The lifecycle (proposed -> announced -> active -> retired), the notice period and the list as it
stood on any day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from privacy.errors import Conflict
from privacy.settings import Settings
from subprocessors import service
from subprocessors.schemas import AnnouncementIn, SubProcessorIn
from tests.conftest import SYSTEM
from tests.subprocessors.conftest import Client, Sessions, new_subprocessor

PROPOSED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ANNOUNCED_AT = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


async def keys_on(web: Client, day: str) -> list[str]:
    answer = await web.get("/api/v1/subprocessors", params={"at": day})
    assert answer.status_code == 200, answer.text
    return [entry["key"] for entry in answer.json()["subprocessors"]]


async def test_a_change_shows_in_the_list_of_each_day_as_it_stood(
    web: Client, org_sessions: Sessions, mail_settings: object
) -> None:
    settings = mail_settings
    async with org_sessions() as session, session.begin():
        await service.save_subprocessor(
            session,
            subprocessor=SubProcessorIn.model_validate(new_subprocessor()),
            settings=settings,  # type: ignore[arg-type]
            actor=SYSTEM,
            now=PROPOSED_AT,
        )
    assert "plausible" not in await keys_on(web, "2026-01-06"), "a proposal is not published"
    async with org_sessions() as session, session.begin():
        change = await service.announce(
            session, key="plausible", announcement=AnnouncementIn(), settings=settings, actor=SYSTEM, now=ANNOUNCED_AT
        )  # type: ignore[arg-type]
    assert change.effective_on == date(2026, 2, 9), "the default notice period is 30 days"
    async with org_sessions() as session:
        assert await service.put_announced_changes_into_effect(session, now=ANNOUNCED_AT + timedelta(days=29)) == 0
        assert await service.put_announced_changes_into_effect(session, now=datetime(2026, 2, 9, 0, 5, tzinfo=UTC)) == 1
    async with org_sessions() as session, session.begin():
        await service.retire(
            session,
            key="zendesk",
            announcement=AnnouncementIn(effective_on=date(2026, 4, 1), summary="Support moves in-house"),
            settings=settings,  # type: ignore[arg-type]
            actor=SYSTEM,
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )
    async with org_sessions() as session:
        await service.put_announced_changes_into_effect(session, now=datetime(2026, 4, 1, 6, 0, tzinfo=UTC))

    demo = ["hetzner", "mailgun", "stripe", "zendesk"]
    assert await keys_on(web, "2023-12-31") == []
    assert await keys_on(web, "2024-06-01") == ["hetzner", "stripe", "zendesk"]
    assert await keys_on(web, "2026-01-05") == demo
    announced = (await web.get("/api/v1/subprocessors", params={"at": "2026-01-20"})).json()
    assert [(a["key"], a["kind"], a["effective_on"]) for a in announced["announced"]] == [
        ("plausible", "announced", "2026-02-09")
    ]
    assert await keys_on(web, "2026-02-08") == demo
    assert await keys_on(web, "2026-02-09") == sorted([*demo, "plausible"])
    during_notice = (await web.get("/api/v1/subprocessors", params={"at": "2026-03-15"})).json()
    assert "zendesk" in [e["key"] for e in during_notice["subprocessors"]], "still in use during its notice"
    assert [(a["key"], a["summary"]) for a in during_notice["announced"]] == [("zendesk", "Support moves in-house")]
    assert await keys_on(web, "2026-04-01") == ["hetzner", "mailgun", "plausible", "stripe"]
    assert await keys_on(web, date.today().isoformat()) == ["hetzner", "mailgun", "plausible", "stripe"]


async def test_the_notice_period_cannot_be_shortened_and_each_step_comes_in_order(
    web: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    created = await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    assert created.status_code == 200 and created.json()["status"] == "proposed"
    too_soon = (date.today() + timedelta(days=29)).isoformat()
    refused = await web.post(
        "/api/v1/admin/subprocessors/plausible/announce", json={"effective_on": too_soon}, headers=admin
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["path"] == "effective_on"
    listed = await web.get("/api/v1/admin/subprocessors", headers=admin)
    assert {e["key"]: e["status"] for e in listed.json()}["plausible"] == "proposed", "the refusal changed nothing"
    announced = await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    assert announced.status_code == 200
    assert announced.json()["effective_on"] == (date.today() + timedelta(days=30)).isoformat()
    again = await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    assert again.status_code == 409
    assert (await web.post("/api/v1/admin/subprocessors/plausible/retire", json={}, headers=admin)).status_code == 409
    forbidden = await web.put("/api/v1/admin/subprocessors/other", json=new_subprocessor("other"), headers=auditor)
    assert forbidden.status_code == 403


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"processing_locations": ["US"]}, ""),  # outside the EEA with "not needed"
        ({"processing_locations": ["IN"], "transfer_mechanism": "adequacy"}, ""),
        ({"activities": ["no-such-activity"]}, "activities[0]"),
        ({"data_categories": ["dreams"]}, "data_categories[0]"),
        ({"corporate_location": "Germany"}, "corporate_location"),
    ],
)
async def test_bad_definitions_are_refused_with_their_path(
    web: Client, admin: dict[str, str], change: dict[str, object], path: str
) -> None:
    answer = await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(**change), headers=admin)
    assert answer.status_code in (400, 422), answer.text
    assert path in [error["path"] for error in answer.json()["errors"]]
    assert "plausible" not in [e["key"] for e in (await web.get("/api/v1/admin/subprocessors", headers=admin)).json()]


async def test_the_list_of_a_day_to_come_is_refused(web: Client) -> None:
    answer = await web.get("/api/v1/subprocessors", params={"at": (date.today() + timedelta(days=2)).isoformat()})
    assert answer.status_code == 422
    assert (await web.get("/api/v1/subprocessors", params={"at": "yesterday"})).status_code in (400, 422)


async def test_saving_the_same_details_again_is_no_new_version(org_sessions: Sessions, mail_settings: Settings) -> None:
    async with org_sessions() as session, session.begin():
        details = SubProcessorIn.model_validate(new_subprocessor())
        first, second = [
            await service.save_subprocessor(
                session, subprocessor=details, settings=mail_settings, actor=SYSTEM, now=PROPOSED_AT
            )
            for _ in range(2)
        ]
    assert (first.changed, second.changed) == (True, False)
    with pytest.raises(Conflict):
        async with org_sessions() as session, session.begin():
            await service.retire(
                session,
                key="plausible",
                announcement=AnnouncementIn(),
                settings=None,
                actor=SYSTEM,
                now=PROPOSED_AT,  # type: ignore[arg-type]
            )
    with pytest.raises(ValidationError, match="no adequacy decision covers US"):
        SubProcessorIn.model_validate(new_subprocessor(processing_locations=["US"], transfer_mechanism="adequacy"))
