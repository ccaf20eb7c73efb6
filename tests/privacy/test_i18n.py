"""The catalogues: every message a template or module uses is in every language's catalogue and
translated there, with the same placeholders; and a page's language is negotiated from `?lang=`
and `Accept-Language` among the organisation's languages, with a note when the one asked for is
not published."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from privacy.i18n import LANGUAGES, SOURCE_LANGUAGE, catalogue_path, negotiate
from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["privacy", "consent", "dsar", "retention", "subprocessors", "breaches"]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
Client = AsyncTestClient[Litestar]


def used_messages() -> set[str]:
    """What the code asks the catalogues for: `_()` in templates, `N_()` in modules."""
    found: set[str] = set()
    for package in PACKAGES:
        extracted = extract_from_dir(
            ROOT / package, METHODS, keywords={"_": None, "gettext": None, "N_": None}, comment_tags=()
        )
        found |= {message for _file, _line, message, _comments, _context in extracted if isinstance(message, str)}
    return found


def catalogue(language: str) -> dict[str, str]:
    with catalogue_path(language).open("rb") as source:
        return {str(m.id): str(m.string or "") for m in read_po(source, locale=language) if m.id}


def test_messages_are_found_in_templates_and_modules() -> None:
    used = used_messages()
    assert "Your rights" in used, "a template's _()"
    assert "Our legitimate interests (Art. 6(1)(f) GDPR)" in used, "a module's N_()"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_used_is_in_the_catalogue_and_translated(language: str) -> None:
    used, messages = used_messages(), catalogue(language)
    assert sorted(used - messages.keys()) == [], "messages missing from the catalogue"
    assert sorted(messages.keys() - used) == [], "messages nothing uses any more"
    if language != SOURCE_LANGUAGE:
        assert [message for message in used if not messages[message]] == [], "messages left untranslated"
        for message in used:
            placeholders = set(PLACEHOLDER.findall(message))
            assert set(PLACEHOLDER.findall(messages[message])) == placeholders, message


def test_negotiation_prefers_the_query_then_the_browser_then_the_default() -> None:
    published = ["en", "fr", "nl"]
    assert negotiate("fr", "nl", published=published, default="en").language == "fr"
    assert negotiate(None, "nl-BE,nl;q=0.9,en;q=0.5", published=published, default="en").language == "nl"
    assert negotiate(None, "de;q=0.9,fr;q=0.8", published=published, default="en").language == "fr"
    assert negotiate(None, None, published=published, default="en").unavailable is None
    kept = negotiate("de", None, published=published, default="en")
    assert (kept.language, kept.unavailable) == ("en", "de")
    assert kept.note() == "Diese Seite ist nicht auf Deutsch veröffentlicht; sie wird auf Englisch angezeigt."
    italian = negotiate(None, "it-IT", published=published, default="fr")
    assert italian.note() == "Cette page n'est pas publiée en italien\u00a0; elle s'affiche en français."
    assert negotiate("xx-nonsense", None, published=published, default="en").note() is None


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Client]:
    async with client_of(await app_with_demo(settings)) as client:
        yield client


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


TITLES = {
    "en": "Privacy notice",
    "fr": "Politique de confidentialité",
    "de": "Datenschutzerklärung",
    "nl": "Privacyverklaring",
    "es": "Política de privacidad",
}
CONTRACT = {
    "en": "Performing our contract with you (Art. 6(1)(b) GDPR)",
    "fr": "L'exécution de notre contrat avec vous (art. 6(1)(b) RGPD)",
    "de": "Erfüllung unseres Vertrags mit Ihnen (Art. 6 Abs. 1 lit. b DSGVO)",
    "nl": "De uitvoering van onze overeenkomst met u (art. 6, lid 1, onder b, AVG)",
    "es": "La ejecución de nuestro contrato con usted (art. 6.1.b RGPD)",
}

KEPT = {  # the demo's consent records, kept three years after collection: in words, never P3Y
    "en": "3 years after collection",
    "fr": "3 ans après la collecte",
    "de": "3 Jahre nach der Erhebung",
    "nl": "3 jaar na het verzamelen",
    "es": "3 años después de la recogida",
}


async def test_the_notice_and_its_pdf_read_in_each_language(web: Client, officer: dict[str, str]) -> None:
    published = await web.post("/api/v1/admin/notice/versions", json={"summary": "First"}, headers=officer)
    assert published.status_code == 201, published.text
    for language in LANGUAGES:
        page = words((await web.get("/privacy", params={"lang": language})).text)
        assert f"{TITLES[language]} " in page and CONTRACT[language] in page, language
        assert "%(" not in page and "_(" not in page and "P3Y" not in page, language
        assert KEPT[language] in page, language
        document = (await web.get("/privacy.pdf", params={"lang": language})).content
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(document)).pages).split())
        assert text.startswith(TITLES[language]) and CONTRACT[language] in text, language
    french = words((await web.get("/privacy", params={"lang": "fr"})).text)
    assert "Données de facturation et de paiement" in french, "the starter taxonomy's labels, translated"
    assert "Pour audience measurement exempt from consent (France) :" in french, "the organisation's note as written"
    dutch = (await web.get("/privacy", headers={"accept-language": "nl-BE,nl;q=0.9"})).text
    assert '<html lang="nl">' in dutch and "Privacyverklaring" in dutch


async def test_a_language_not_published_is_answered_in_the_default_with_a_note(
    web: Client, admin: dict[str, str], officer: dict[str, str]
) -> None:
    organisation = (await web.get("/api/v1/admin/organisation", headers=admin)).json()
    only_two = {**organisation, "languages": ["de", "en"], "default_language": "de"}
    assert (await web.put("/api/v1/admin/organisation", json=only_two, headers=admin)).status_code == 200
    await web.post("/api/v1/admin/notice/versions", json={"summary": "First"}, headers=officer)
    page = (await web.get("/privacy", params={"lang": "fr"})).text
    assert '<html lang="de">' in page
    assert "Cette page n'est pas publiée en français ; elle s'affiche en allemand." in words(page)
    links = re.findall(r'hreflang="(\w+)"', page)
    assert links == ["de", "en"], "only the languages published are offered"
    refused = {**organisation, "languages": ["en"], "default_language": "fr"}
    answer = await web.put("/api/v1/admin/organisation", json=refused, headers=admin)
    assert answer.status_code == 400
    assert "the default language fr is not among the languages published" in answer.text


async def test_the_privacy_centre_reads_in_each_language(web: Client) -> None:
    spanish = (await web.get("/privacy/requests", params={"lang": "es"})).text
    assert '<html lang="es">' in spanish
    assert "Una copia de mis datos (acceso)" in spanish
    for language in LANGUAGES:
        page = (await web.get("/privacy/requests", params={"lang": language})).text
        assert f'hreflang="{language}"' in page or f'lang="{language}"' in page, language
