"""Post-mortem directives (art. 85 loi Informatique et Libertés): left, changed and revoked by the
person; carried out, once the death is confirmed, for the person they name and no one else; without
them, the heirs have the death taken into account. Against a real SQL system."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import PostMortemDirective
from privacy.db import utcnow
from privacy.settings import Settings
from tests.dsar.conftest import ADA, code_in, crm_rows, download, letter, sql_connector, submit, verified
from tests.dsar.test_pages import csrf_of
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]
BYRON, MALLORY, HEIR = "byron@example.org", "mallory@example.org", "annabella@example.org"


@pytest.fixture
def dsar_settings(dsar_settings: Settings) -> Settings:
    return dsar_settings.model_copy(update={"post_mortem_directives": True, "request_posts_per_minute": 60})


def directive(trusted_email: str = BYRON, wish: str = "access", **more: Any) -> dict[str, Any]:
    return {"trusted_person": "George Byron", "trusted_email": trusted_email, "wish": wish, **more}


def death(relationship: str = "trusted_person") -> dict[str, Any]:
    return {
        "email": ADA,
        "name": "Ada Lovelace",
        "died_on": "2026-11-27",
        "relationship": relationship,
        "evidence": "Death certificate no. 1852-114, copy sent by post",
    }


async def notified(
    person: Client, mailbox: Mailbox, background: Any, officer: dict[str, str], notifier: str, **decision: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A death notified by `notifier` (their own email proven), and staff's decision on the evidence."""
    relationship = "heir" if notifier == HEIR else "trusted_person"
    granted = await verified(person, mailbox, background, notifier, type="death_notice", death=death(relationship))
    detail = await _detail(person, officer, granted["reference"])
    [confirm] = [step for step in detail["steps"] if step["action"] == "confirm_death"]
    assert confirm["status"] == "awaiting_decision", "nothing happens before staff check the evidence"
    body = decision or {"outcome": "death_confirmed"}
    url = f"/api/v1/admin/requests/{detail['id']}/steps/{confirm['id']}"
    decided = await person.post(url, json=body, headers=officer)
    assert decided.status_code in (200, 201, 204), decided.text
    for _ in range(3):
        await background()
    return granted, await _detail(person, officer, granted["reference"])


async def _detail(person: Client, officer: dict[str, str], reference: str) -> dict[str, Any]:
    listed = (await person.get("/api/v1/admin/requests", headers=officer)).json()
    [summary] = [item for item in listed if item["reference"] == reference]
    answer: dict[str, Any] = (await person.get(f"/api/v1/admin/requests/{summary['id']}", headers=officer)).json()
    return answer


async def with_crm(person: Client, admin: dict[str, str]) -> None:
    assert (await person.put("/api/v1/admin/connectors/crm", json=sql_connector(), headers=admin)).status_code == 200


def last_letter(mailbox: Mailbox, to: str) -> str:
    return body_of(mailbox.to(to)[-1])


async def test_directives_are_carried_out_for_the_person_they_name_and_no_one_else(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await with_crm(person, admin)
    left = await verified(person, mailbox, background, type="directive", directive=directive(instructions="A copy"))
    await background()
    assert "When George Byron tells us of your death" in last_letter(mailbox, ADA)
    assert (await person.get(f"/api/v1/requests/{left['reference']}", headers=_bearer(left))).json()[
        "status"
    ] == "completed"

    _, stranger = await notified(person, mailbox, background, officer, MALLORY)
    assert (stranger["status"], stranger["outcome"]) == ("completed", "refused: directives name someone else")
    assert [step["action"] for step in stranger["steps"]] == ["confirm_death"], "nothing read for them"
    assert "naming someone else" in last_letter(mailbox, MALLORY)
    assert "lodge a complaint" in last_letter(mailbox, MALLORY)

    named, answered = await notified(person, mailbox, background, officer, BYRON)
    assert answered["status"] == "completed", answered
    assert {step["action"] for step in answered["steps"]} == {"confirm_death", "export"}
    package = zipfile.ZipFile(io.BytesIO((await download(person, named)).content))
    data = json.loads(package.read("data.json"))
    assert data["crm"]["contact"]["crm_customers"][0]["name"] == "Ada Lovelace", "Ada's data, for Byron"
    assert await crm_rows(crm, "SELECT count(*) FROM crm_tickets") == [(3,)], "a copy erases nothing"
    async with dsar_sessions() as session:
        [kept] = list(await session.scalars(select(PostMortemDirective)))
        assert (kept.status, kept.content_encrypted, kept.trusted_email_hash) == ("carried_out", None, None)

    _, again = await notified(person, mailbox, background, officer, BYRON)
    assert again["outcome"] == "refused: directives carried out already"


async def test_directives_are_changed_and_revoked_and_then_only_heirs_may_act(
    person: Client,
    admin: dict[str, str],
    officer: dict[str, str],
    crm: str,
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await with_crm(person, admin)
    await verified(person, mailbox, background, type="directive", directive=directive(wish="erasure"))
    await background()  # the letter saying they are recorded, before the next code
    await verified(person, mailbox, background, type="directive", directive=directive(MALLORY, wish="erasure"))
    await background()
    _, replaced = await notified(person, mailbox, background, officer, BYRON)
    assert replaced["outcome"] == "refused: directives name someone else", "the new directives replace the old"

    await verified(person, mailbox, background, type="directive", directive={"revoke": True})
    await background()
    assert "your directives are revoked" in mailbox.to(ADA)[-1]["Subject"]
    async with dsar_sessions() as session:
        statuses = sorted(await session.scalars(select(PostMortemDirective.status)))
        assert statuses == ["replaced", "revoked"]
        assert all(row.content_encrypted is None for row in await session.scalars(select(PostMortemDirective)))
    _, unnamed = await notified(person, mailbox, background, officer, MALLORY)
    assert unnamed["outcome"] == "refused: no directives"

    _, heirs = await notified(person, mailbox, background, officer, HEIR)
    assert heirs["status"] == "completed" and {s["action"] for s in heirs["steps"]} == {"confirm_death", "erase"}
    assert await crm_rows(crm, "SELECT subject FROM crm_tickets") == [("Hi",)], "Ada's tickets are erased"


async def test_evidence_not_accepted_ends_the_notice_with_the_reason(
    person: Client, officer: dict[str, str], crm: str, mailbox: Mailbox, background: Any
) -> None:
    await verified(person, mailbox, background, type="directive", directive=directive(wish="erasure"))
    reason = {"refused": "The certificate sent names another person."}
    _, refused = await notified(person, mailbox, background, officer, BYRON, **reason)
    assert refused["outcome"] == "death notice not accepted"
    assert "The certificate sent names another person." in last_letter(mailbox, BYRON)
    assert len(await crm_rows(crm, "SELECT * FROM crm_tickets")) == 3, "nothing erased"


async def test_directives_as_written_are_carried_out_by_staff_who_read_them(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    wishes = "Close my account and post a last message to my followers."
    await verified(
        person, mailbox, background, type="directive", directive=directive(wish="as_written", instructions=wishes)
    )
    named, detail = await notified(person, mailbox, background, officer, BYRON)
    assert any(wishes in (event["note"] or "") for event in detail["timeline"]), "staff read what the directive says"
    [carry_out] = [step for step in detail["steps"] if step["action"] == "carry_out"]
    url = f"/api/v1/admin/requests/{detail['id']}/steps/{carry_out['id']}"
    incomplete = await person.post(url, json={"outcome": "carried_out"}, headers=officer)
    assert incomplete.status_code == 422, "say what was done"
    done = {"outcome": "carried_out", "reason": "Account closed and the last message posted on 2 December."}
    assert (await person.post(url, json=done, headers=officer)).status_code in (200, 201, 204)
    await background()
    finished = await _detail(person, officer, named["reference"])
    assert (finished["status"], finished["outcome"]) == ("completed", "directives carried out")
    assert "Account closed and the last message posted" in last_letter(mailbox, BYRON)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"type": "directive", "directive": {"trusted_person": "George"}}, "directive"),
        ({"type": "directive", "directive": {"revoke": True, "wish": "erasure"}}, "directive"),
        ({"type": "directive", "directive": directive(wish="as_written")}, "directive"),
        ({"type": "access", "directive": directive()}, ""),
        ({"type": "death_notice"}, ""),
        ({"type": "death_notice", "death": {**death(), "relationship": "neighbour"}}, "death.relationship"),
    ],
)
async def test_incomplete_directives_and_notices_are_refused(person: Client, body: dict[str, Any], path: str) -> None:
    answer = await person.post("/api/v1/requests", json={"email": ADA, **body})
    assert answer.status_code in (400, 422), answer.text
    assert any(error["path"].startswith(path) for error in answer.json()["errors"])


def _bearer(granted: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {granted['token']}"}


async def test_a_notice_names_someone_else_who_died_already(person: Client) -> None:
    own = await person.post("/api/v1/requests", json={"type": "death_notice", "email": ADA, "death": death()})
    assert own.status_code == 422 and own.json()["errors"] == [
        {"path": "death.email", "message": "your own email address"}
    ]
    future = {**death(), "died_on": "2099-01-01"}
    ahead = await person.post("/api/v1/requests", json={"type": "death_notice", "email": BYRON, "death": future})
    assert ahead.status_code in (400, 422) and "in the future" in ahead.text


async def test_staff_cannot_leave_directives_for_someone_the_person_proves_their_email_themselves(
    person: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    """A directive recorded from a letter still waits for the person's own code: no one on staff
    can name themselves someone's trusted person."""
    recorded = await person.post(
        "/api/v1/admin/requests", json=letter(utcnow(), type="directive", directive=directive(MALLORY)), headers=officer
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["status"] == "awaiting_verification" and recorded.json()["steps"] == []
    await background()
    assert code_in(mailbox, ADA), "the code goes to the person, not to staff"


async def test_once_a_death_is_notified_the_directives_no_longer_change_and_a_refusal_restores_them(
    person: Client,
    officer: dict[str, str],
    mailbox: Mailbox,
    background: Any,
    dsar_sessions: async_sessionmaker[AsyncSession],
) -> None:
    wishes = "Tell my readers that the blog ends."
    await verified(
        person, mailbox, background, type="directive", directive=directive(wish="as_written", instructions=wishes)
    )
    await background()
    notice, _ = await notified(person, mailbox, background, officer, BYRON)

    reference = (await submit(person, ADA, type="directive", directive=directive(MALLORY))).json()["reference"]
    await background()
    taken_over = await person.post(f"/api/v1/requests/{reference}/verify", json={"code": code_in(mailbox, ADA)})
    assert taken_over.status_code == 409, "whoever holds the mailbox now cannot rewrite the directives"

    detail = await _detail(person, officer, notice["reference"])
    refusal = {"reason": "manifestly_unfounded", "explanation": "The certificate turned out to be forged."}
    refused = await person.post(f"/api/v1/admin/requests/{detail['id']}/refuse", json=refusal, headers=officer)
    assert refused.status_code in (200, 201), refused.text
    async with dsar_sessions() as session:
        [kept] = list(await session.scalars(select(PostMortemDirective)))
        assert (kept.status, kept.carried_out_by) == ("in_force", None), "refused: the directives stand"
        assert kept.content_encrypted is not None


async def test_the_privacy_centre_form_says_what_is_wrong_with_a_notice_in_the_page(person: Client) -> None:
    form = await person.get("/privacy/requests?lang=fr")
    assert "Date du décès" in form.text
    fields = {"type": "death_notice", "email": ADA, "deceased_email": ADA, "died_on": "2026-11-27"}
    fields |= {"relationship": "heir", "evidence": "Acte de décès"}
    sent = await person.post("/privacy/requests?lang=fr", data={"_csrf_token": csrf_of(form.text), **fields})
    assert sent.status_code == 422 and sent.headers["content-type"].startswith("text/html")
    assert "votre propre adresse e-mail" in sent.text, "said in the language of the page"
    assert "Acte de décès" in sent.text, "the form keeps what was typed"
