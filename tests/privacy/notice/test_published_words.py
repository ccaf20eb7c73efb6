"""The notice as the organisation publishes it: the register's order, its activities in the reader's
language where it wrote them (as written elsewhere, saying so), how to exercise rights and whom to
complain to, and French typography."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date

import pytest
from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of
from tests.privacy.notice.test_notice import CONTROLLER_ACTIVITIES, IN_USE, publish, words

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def web(settings: Settings, officer: dict[str, str]) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        await publish(client, officer, "First version")
        yield client


def purposes_section(page: str) -> str:
    return page[page.index('id="purposes"') : page.index('id="sharing"')]


async def test_purposes_follow_the_register_positions_then_names(web: Client, officer: dict[str, str]) -> None:
    page = words(purposes_section((await web.get("/privacy", params={"lang": "en"})).text))
    positioned = "Providing the hosting service"  # position 1 in the demo: first, though not first by name
    others = sorted(a["name"] for a in CONTROLLER_ACTIVITIES if a["name"] != positioned)
    found = [page.index(name) for name in [positioned, *others]]
    assert found == sorted(found)

    legal = next(a for a in CONTROLLER_ACTIVITIES if a["key"] == "legal-claims")
    moved = await web.put("/api/v1/admin/activities/legal-claims", json={**legal, "position": 0}, headers=officer)
    assert moved.status_code == 200, moved.text
    await publish(web, officer, "Legal claims first")
    page = words(purposes_section((await web.get("/privacy", params={"lang": "en"})).text))
    assert page.index(legal["name"]) < page.index(positioned)


async def test_activities_read_in_the_language_given_and_as_written_otherwise(web: Client) -> None:
    german = words((await web.get("/privacy", params={"lang": "de"})).text)
    assert "Bereitstellung des Hosting-Dienstes" in german
    assert "Rechenzentrumsbetreiber" in german and "Data centre operators" not in german
    assert "Für die Dauer des Vertrags, danach 30 Tage" in german
    assert "Billing and accounting" in german, "an activity without German words shows as written"
    assert "Einige unserer Beschreibungen gibt es nur auf Englisch." in german

    dutch = (await web.get("/privacy", params={"lang": "nl"})).text
    assert '<span lang="en">Providing the hosting service</span>' in dutch
    english = words((await web.get("/privacy", params={"lang": "en"})).text)
    assert "only available in" not in english


async def test_rights_channels_and_every_authority_with_their_contact_details(web: Client) -> None:
    page = words((await web.get("/privacy", params={"lang": "en"})).text)
    assert "in your account settings, once signed in: https://panel.nordlicht-hosting.example/account/privacy" in page
    assert "by post: Data Protection Office Nordlicht Hosting GmbH Beispielstraße 12, 10115 Berlin, Germany" in page
    assert "by email: privacy@nordlicht-hosting.example" in page
    assert "Information Commissioner's Office (United Kingdom), Wycliffe House" in page
    assert "https://www.datenschutz-berlin.de" in page and "telephone 0303 123 1113" in page
    assert "place of work or of the alleged infringement" in page, "the general right to complain stays"
    assert "ask us for a copy of these safeguards by writing to dpo@nordlicht-hosting.example" in page


async def test_french_sets_a_non_breaking_space_before_colons_and_dates_in_words(web: Client) -> None:
    page = re.sub(r"<[^>]+>", "", (await web.get("/privacy", params={"lang": "fr"})).text)
    assert "Adresse\u00a0: Beispielstraße 12" in page and "par courrier\u00a0:" in page
    assert re.findall(r".{20} :", page) == []
    today = format_date(date.today(), format="long", locale="fr")
    assert f"Dernière mise à jour\u00a0: {today}" in " ".join(page.split(" "))


async def test_a_sub_processor_the_customer_selects_is_marked_so(web: Client) -> None:
    page = words((await web.get("/privacy", params={"lang": "en"})).text)

    def line_of(entry: dict[str, str]) -> str:
        start = page.index(f"{entry['name']}:") + len(entry["name"])
        return page[start : page.index(")", start) + len("), only where you select them")]

    assert all(line_of(s).endswith(", only where you select them") for s in IN_USE if s.get("customer_selectable"))
    assert not any("select them" in line_of(s) for s in IN_USE if not s.get("customer_selectable"))


async def test_the_cookie_section_states_where_consent_is_asked_first_as_published(web: Client) -> None:
    english = words((await web.get("/privacy", params={"lang": "en"})).text)
    assert (
        "we ask before setting any cookie that is not strictly necessary: European Economic Area, Switzerland, "
        "and United Kingdom. Elsewhere, these cookies are set unless you object."
    ) in english
    assert "not set when your browser sends a Global Privacy Control signal: Advertising." in english
    german = words((await web.get("/privacy", params={"lang": "de"})).text)
    assert "Europäischer Wirtschaftsraum" in german and "Schweiz" in german
