"""The notice's statements that are not records (the `notice` block): each in its fixed place among
the generated sections, in the reader's language or the organisation's default with a note, stated
by the next published version; earlier policies imported into the revision history."""

from __future__ import annotations

import re
from typing import Any

import yaml

from privacy.composition import configuration
from privacy.db import utcnow
from privacy.notice.schemas import NoticeStatements
from privacy.settings import Settings
from tests.conftest import SYSTEM, app_with_demo, client_of, sessions_of
from tests.privacy.notice.test_notice import publish, words

STATEMENTS = {
    "scope": {
        "en": "This notice does not cover the data our customers host with us: for that we act as their processor.",
        "fr": "Cette politique ne couvre pas les données que nos clients hébergent chez nous.",
    },
    "no_sale": {"en": "We do not sell personal data, nor share it for targeted advertising."},
    "security": {"en": "Data is encrypted at rest and in transit; access is logged and reviewed."},
    "breach_notification": {"en": "If a breach puts you at high risk, we tell you without undue delay."},
    "ai_assistants": {"en": "Our support chat drafts answers with a model hosted in the EU; a person sends them."},
    "children": {"en": "Our services are not meant for children under 16."},
    "custom": [{"key": "whistleblowing", "titles": {"en": "Reporting concerns"}, "texts": {"en": "Write to ethics@."}}],
    "changes": {"en": "We announce material changes by email a month ahead."},
    "history": [
        {"published_on": "2019-05-01", "summary": "Our first privacy policy"},
        {"published_on": "2023-02-01", "summary": "Website analytics added"},
    ],
}
IN_ORDER = [
    "the data our customers host with us",
    "What data we collect",
    "We do not sell personal data",
    "International transfers",
    "encrypted at rest",
    "without undue delay",
    "Cookies and similar technologies",
    "support chat drafts answers",
    "not meant for children",
    "Your rights",
    "Reporting concerns",
    "announce material changes",
    ": First version",  # the toolkit's own versions first, newest first
    "February 1, 2023 : Website analytics added",
    "May 1, 2019 : Our first privacy policy",
]


def with_statements(demo: Any) -> Any:
    return demo.model_copy(update={"notice": NoticeStatements.model_validate(STATEMENTS)})


async def test_statements_show_in_their_places_and_fall_back_to_the_default_language_saying_so(
    settings: Settings, officer: dict[str, str]
) -> None:
    async with client_of(await app_with_demo(settings, with_statements)) as web:
        await publish(web, officer, "First version")
        text = words((await web.get("/privacy")).text)
        places = [text.find(part) for part in IN_ORDER]
        assert -1 not in places, [part for part, place in zip(IN_ORDER, places, strict=True) if place == -1]
        assert places == sorted(places), "each statement in its fixed place"
        french = (await web.get("/privacy", params={"lang": "fr"})).text
        assert "Cette politique ne couvre pas les données" in french
        assert re.search(r'<p lang="en">Our services are not meant for children under 16.</p>', french)
        assert "Cette section n'existe qu'en anglais." in words(french)


async def test_statements_wait_for_publication_and_round_trip_through_the_file(
    settings: Settings, officer: dict[str, str]
) -> None:
    app = await app_with_demo(settings)
    async with client_of(app) as web:
        await publish(web, officer, "First version")
        async with sessions_of(app, settings) as sessions, sessions() as session, session.begin():
            document = {"notice": STATEMENTS}
            config = configuration().parse(yaml.safe_dump(document))
            changes = await configuration().apply(session, config=config, actor=SYSTEM, settings=settings, now=utcnow())
            assert "+ notice" in [change.describe() for change in changes]
        assert "not meant for children" not in words((await web.get("/privacy")).text), "not before publication"
        await publish(web, officer, "Statements added")
        assert "not meant for children" in words((await web.get("/privacy")).text)
        async with sessions_of(app, settings) as sessions, sessions() as session:
            exported = yaml.safe_load(await configuration().export(session))
        assert exported["notice"]["history"][0] == {"published_on": "2019-05-01", "summary": "Our first privacy policy"}
        assert NoticeStatements.model_validate(exported["notice"]) == NoticeStatements.model_validate(STATEMENTS)
