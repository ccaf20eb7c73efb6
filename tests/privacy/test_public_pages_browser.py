"""Every public page in headless Chromium, in English and French: accessible, in the visitor's
language, with no internal key, ISO 8601 duration or bare country code left for them to read, and
the request form's choices beside their labels on a desktop and on a phone."""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from privacy.settings import Settings
from tests.browser_fixtures import LiveServer
from tests.conftest import empty_tables, environment_for, privacy_command, run_async

pytestmark = pytest.mark.browser
SHOTS = Path(tempfile.gettempdir()) / "shots"  # outside the repository: for a person to look at
PAGES = {"notice": "/privacy", "cookies": "/privacy/cookies", "subprocessors": "/privacy/subprocessors"}
PAGES["requests"] = "/privacy/requests"
LANGUAGE_NAMES = ["English", "Deutsch", "français", "Nederlands", "español"]  # each in its own language
PLACES = {
    "en": ["Privacy notice", "Cookies", "Sub-processors", "Your data"],
    "fr": ["Politique de confidentialité", "Cookies", "Sous-traitants", "Vos données"],
}
HEADINGS = {
    "en": {
        "notice": "Privacy notice",
        "cookies": "Cookie policy",
        "subprocessors": "Sub-processors",
        "requests": "Your personal data",
    },
    "fr": {
        "notice": "Politique de confidentialité",
        "cookies": "Politique relative aux cookies",
        "subprocessors": "Sous-traitants",
        "requests": "Vos données personnelles",
    },
}
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ISO_DURATION = re.compile(r"\bP\d+[YMWD]")
BARE_CODES = """Array.from(document.querySelectorAll("td, th"), (cell) => cell.innerText.trim())
  .filter((text) => /^[A-Z]{2}(,\\s*[A-Z]{2})*$/.test(text))"""
MARKUP = re.compile(r"</?[a-z]+[\s>/]|&#?\w+;")
# The radio's middle and the middle of its label's first line (a long label wraps on a phone),
# and the room between the radio and where its label's words start.
BESIDE_ITS_LABEL = """(radio) => {
  const label = document.querySelector(`label[for="${radio.id}"]`), words = document.createRange();
  words.selectNodeContents(label);
  const lines = Array.from(words.getClientRects()), line = lines[0], box = radio.getBoundingClientRect();
  return {label: label.innerText, radio: box.top + box.height / 2, line: line.top + line.height / 2,
          gap: line.left - box.right, under: Math.min(...lines.map((each) => each.left)) < box.right};
}"""
CODE_TEXT = 'Array.from(document.querySelectorAll("code"), (code) => code.innerText)'
CASES = [(name, language) for name in PAGES for language in PLACES]


@pytest.fixture(scope="module")
def visitor(browser: Browser, migrated_settings: Settings, live_server: LiveServer) -> Iterator[Page]:
    """One page, reused: the demo organisation (`privacy demo` publishes its notice), seen by a member
    of the public."""
    subprocess.run(privacy_command("demo"), env=environment_for(migrated_settings), check=True, capture_output=True)
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(base_url=live_server.url)
    yield context.new_page()
    context.close()
    run_async(empty_tables(migrated_settings.effective_database_url))


def open_page(page: Page, name: str, language: str, *, width: int = 1280) -> Page:
    page.set_viewport_size({"width": width, "height": 900})
    answer = page.goto(f"{PAGES[name]}?lang={language}")
    assert answer and answer.status == 200, f"{name} in {language}"
    return page


@pytest.mark.parametrize(("name", "language"), CASES)
def test_each_public_page_is_accessible_and_in_the_visitors_language(visitor: Page, name: str, language: str) -> None:
    page = open_page(visitor, name, language)
    page.screenshot(path=SHOTS / f"{name}-{language}.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.locator("html").get_attribute("lang") == language
    places = page.locator("header nav").first.get_by_role("link")
    assert places.all_inner_texts() == PLACES[language]
    hrefs = [link.get_attribute("href") for link in places.all()]
    assert hrefs == [f"{path}?lang={language}" for path in PAGES.values()]
    names = page.locator("nav.languages").get_by_role("link").all_inner_texts()
    # The cookie policy is offered in the languages its banner texts are written in: maybe fewer.
    assert {"English", "français"} <= set(names) and names == [n for n in LANGUAGE_NAMES if n in names]
    assert page.locator("h1").inner_text() == HEADINGS[language][name]
    assert page.locator(".notice-language").count() == 0, "the page is published in the language asked for"


@pytest.mark.parametrize(("name", "language"), CASES)
def test_no_public_page_shows_a_key_a_duration_code_or_a_bare_country_code(
    visitor: Page, name: str, language: str
) -> None:
    page = open_page(visitor, name, language)
    text = page.locator("body").inner_text()
    for code in page.evaluate(CODE_TEXT):  # a cookie's name is what the visitor finds in their browser
        text = text.replace(code, "")
    assert SNAKE_CASE.findall(text) == [], "an internal key"
    assert ISO_DURATION.findall(text) == [], "an ISO 8601 duration"
    assert page.evaluate(BARE_CODES) == [], "a country code where a country's name belongs"


@pytest.mark.parametrize(("name", "language"), CASES)
def test_no_public_page_shows_markup_as_text(visitor: Page, name: str, language: str) -> None:
    text = open_page(visitor, name, language).locator("body").inner_text()
    assert MARKUP.findall(text) == [], "markup escaped twice, shown to the visitor"


@pytest.mark.parametrize("language", list(PLACES))
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_each_request_type_sits_beside_its_label(visitor: Page, language: str, width: int) -> None:
    page = open_page(visitor, "requests", language, width=width)
    radios = page.locator("fieldset#type input[type=radio]").all()
    assert len(radios) >= 4, "the request types"
    ticks = page.locator("form input[type=checkbox]").all()  # restriction meanwhile, objections
    assert ticks
    for radio in [*radios, *ticks]:
        place = radio.evaluate(BESIDE_ITS_LABEL)
        assert abs(place["radio"] - place["line"]) <= 4, f"{place['label']!r}: on the line of its label's first line"
        assert 0 <= place["gap"] <= 40, f"{place['label']!r}: the label follows its box ({place['gap']:.0f} px)"
        assert not place["under"], f"{place['label']!r}: a long label wraps beside its box, not under it"
    page.screenshot(path=SHOTS / f"requests-{language}-{width}px.png", full_page=True)
