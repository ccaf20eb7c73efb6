"""A visitor refused on a public page reads why as a page, in their language; programs asking for
JSON still get problem details."""

from __future__ import annotations

import re

from privacy.settings import Settings
from tests.conftest import app_with_demo, client_of, csrf_token

HTML = {"accept": "text/html,application/xhtml+xml"}


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_a_flooded_request_form_answers_a_page_in_the_visitors_language(settings: Settings) -> None:
    app = await app_with_demo(settings.model_copy(update={"request_posts_per_minute": 1}))
    async with client_of(app) as client:
        form = {"type": "access", "email": "ada@example.org", "_csrf_token": await csrf_token(client)}
        answers = [
            await client.post("/privacy/requests?lang=fr", data=form, headers=HTML, follow_redirects=False)
            for _ in range(2)
        ]
        refused = answers[1]
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in refused.text
        assert "Trop de demandes proviennent de votre connexion. Veuillez réessayer dans" in text_of(refused.text)


async def test_an_unknown_public_page_says_so_in_the_visitors_language(settings: Settings) -> None:
    async with client_of(await app_with_demo(settings)) as client:
        page = await client.get("/privacy/nowhere", headers={**HTML, "accept-language": "de"})
        assert page.status_code == 404
        assert "Diese Seite gibt es nicht." in text_of(page.text)
        assert 'href="/privacy?lang=de"' in page.text, "the layout's navigation leads on"
        program = await client.get("/privacy/nowhere")
        assert program.status_code == 404
        assert program.headers["content-type"].startswith("application/problem+json")
