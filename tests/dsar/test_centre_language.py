"""The privacy centre on the public layout: its language negotiated among the organisation's
languages, remembered by the request, and what went wrong said in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import DataRequest
from dsar.texts import SERVICE_PROBLEMS
from tests.dsar.conftest import ADA
from tests.dsar.test_pages import csrf_of
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]
FRENCH = {"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"}


async def publish_in_english_and_french(person: Client, admin: dict[str, str]) -> None:
    organisation = (await person.get("/api/v1/admin/organisation", headers=admin)).json()
    both = {**organisation, "languages": ["en", "fr"], "default_language": "en"}
    assert (await person.put("/api/v1/admin/organisation", json=both, headers=admin)).status_code == 200


def text_of(html: str) -> str:
    """The words of a page, its markup dropped (non-breaking spaces kept)."""
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", "", html)))


def language_switch(html: str) -> list[str]:
    return [name for _, name in language_links(html)]


def language_links(html: str) -> list[tuple[str, str]]:
    found = re.search(r'<nav aria-label="[^"]+" class="languages">(.*?)</nav>', html, re.S)
    assert found, "the page offers its languages"
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found.group(1))


def action_of(html: str, ending: str = "") -> str:
    found = re.search(rf'<form method="post" action="([^"]*{ending}[^"]*)"', html)
    assert found
    return found.group(1).replace("&amp;", "&")


async def test_the_form_reads_in_the_browsers_language_among_those_published(
    person: Client, admin: dict[str, str]
) -> None:
    await publish_in_english_and_french(person, admin)
    form = await person.get("/privacy/requests", headers=FRENCH)
    assert '<html lang="fr">' in form.text
    assert "<h1>Vos données personnelles</h1>" in form.text
    assert language_switch(form.text) == ["English", "français"], "the languages published, by name"
    assert ">Vos données<" in form.text, "the public pages' navigation"
    assert "notice-language" not in form.text, "French is published: no note"
    assert '<label for="object-security-logging" lang="en">Security and abuse prevention</label>' in form.text


async def test_the_activities_one_may_object_to_are_named_in_the_persons_language(
    person: Client, admin: dict[str, str], officer: dict[str, str]
) -> None:
    await publish_in_english_and_french(person, admin)
    activity = (await person.get("/api/v1/admin/activities/security-logging", headers=officer)).json()
    for generated in ("version", "created_at", "updated_at", "gaps"):
        del activity[generated]
    activity["translations"] = {"fr": {"name": "Sécurité et prévention des abus"}}
    saved = await person.put("/api/v1/admin/activities/security-logging", json=activity, headers=officer)
    assert saved.status_code == 200, saved.text
    form = await person.get("/privacy/requests", params={"lang": "fr"})
    assert '<label for="object-security-logging">Sécurité et prévention des abus</label>' in form.text


async def test_the_type_of_request_is_a_radio_group_each_box_beside_its_label(person: Client) -> None:
    form = (await person.get("/privacy/requests")).text
    group = re.search(r'<fieldset id="type">\s*<legend>What would you like\?</legend>(.*?)</fieldset>', form, re.S)
    assert group, "the choices are one group, named by its legend"
    choices = re.findall(r'<div><input type="radio" id="([\w-]+)" name="type"[^>]*>\s*<label for="([\w-]+)">', group[1])
    assert len(choices) == 7 and all(box == label for box, label in choices), "each radio is followed by its label"


async def test_a_language_not_published_shows_the_default_with_a_note(person: Client, admin: dict[str, str]) -> None:
    await publish_in_english_and_french(person, admin)
    form = await person.get("/privacy/requests", params={"lang": "es"})
    assert '<html lang="en">' in form.text and "<h1>Your personal data</h1>" in form.text
    assert "Esta página no está publicada en español; se muestra en inglés." in form.text
    assert language_switch(form.text) == ["English", "français"]
    assert "Una copia de mis datos" not in form.text


async def test_a_request_sent_from_the_french_page_is_followed_in_french(
    person: Client,
    admin: dict[str, str],
    dsar_sessions: async_sessionmaker[AsyncSession],
    mailbox: Mailbox,
    background: Any,
) -> None:
    await publish_in_english_and_french(person, admin)
    form = await person.get("/privacy/requests", headers=FRENCH)
    fields = {"_csrf_token": csrf_of(form.text), "type": "access"}

    wrong = await person.post(action_of(form.text), data={**fields, "email": "ada at example"})
    assert wrong.status_code == 422 and '<html lang="fr">' in wrong.text
    problems = text_of(wrong.text)
    assert "Veuillez corriger ce qui suit" in problems
    assert "Votre adresse e-mail\u00a0: Saisissez une adresse e-mail, par exemple nom@example.org." in problems
    assert 'href="#email"' in wrong.text, "the problem leads to its field"

    sent = await person.post(action_of(form.text), data={**fields, "email": ADA}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("?lang=fr")
    async with dsar_sessions() as session:
        assert (await session.scalars(select(DataRequest.language))).all() == ["fr"]
    await background()
    [mail] = mailbox.to(ADA)
    assert "Votre code est" in body_of(mail)
    code = re.search(r"(\d{6})", body_of(mail))
    assert code

    code_form = await person.get(sent.headers["location"])
    assert "<h1>Saisissez votre code</h1>" in code_form.text
    verify = action_of(code_form.text, "/verify")
    not_it = "000000" if code.group(1) != "000000" else "111111"
    refused = await person.post(verify, data={"_csrf_token": csrf_of(code_form.text), "code": not_it})
    assert refused.status_code == 422
    assert "Code\u00a0: Ce code n'est pas le bon. Essais restants\u00a0: 4." in text_of(refused.text)

    opened = await person.post(verify, data={"_csrf_token": csrf_of(code_form.text), "code": code.group(1)})
    status = text_of(opened.text)
    assert '<html lang="fr">' in opened.text and "Nous avons reçu votre demande" in status
    today = format_date(datetime.now(UTC).date(), format="long", locale="fr")
    assert today in status, "dates as the person writes them"
    assert "in_progress" not in opened.text and "received" not in status


async def test_codes_asked_for_too_soon_or_tried_wrong_too_often_are_refused_in_french(
    person: Client, admin: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    await publish_in_english_and_french(person, admin)
    form = await person.get("/privacy/requests", headers=FRENCH)
    token = csrf_of(form.text)
    sent = await person.post(
        action_of(form.text), data={"_csrf_token": token, "type": "access", "email": ADA}, follow_redirects=False
    )
    code_form = (await person.get(sent.headers["location"])).text
    code_page = sent.headers["location"].split("?")[0]

    again = await person.post(action_of(code_form, "/code"), data={"_csrf_token": token})
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    assert "Un code vient d'être envoyé\u00a0: veuillez patienter une minute" in text_of(again.text)
    links = [href for href, _ in language_links(again.text)]
    assert links == [f"{code_page}?lang=en", f"{code_page}?lang=fr"], "the languages lead to the code form"

    await background()
    not_it = "000000" if "000000" not in body_of(mailbox.to(ADA)[0]) else "111111"
    for _ in range(5):
        await person.post(action_of(code_form, "/verify"), data={"_csrf_token": token, "code": not_it})
    locked = await person.post(action_of(code_form, "/verify"), data={"_csrf_token": token, "code": not_it})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    assert "Trop de codes erronés\u00a0: demandez un nouveau code." in text_of(locked.text)


def test_every_service_message_the_centre_translates_is_one_the_service_still_says() -> None:
    """The centre recognises the services' refusals by their words: a refusal reworded in the
    service and not here would reach the person as a generic message."""
    sources = " ".join(
        path.read_text()
        for package in ("dsar", "privacy")
        for path in Path(package).rglob("*.py")
        if path != Path("dsar/texts.py")
    )
    patterns = {words: re.escape(words).replace(r"\{n\}", r"\{\w+\}") for words in SERVICE_PROBLEMS}
    assert [words for words, pattern in patterns.items() if not re.search(pattern, sources)] == []
