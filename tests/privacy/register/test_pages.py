"""The organisation page of the console, through its form (CSRF included): the public pages'
languages and the custom data categories with their labels."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy.actors import Role
from tests.conftest import ORGANISATION, add_user, login

Client = AsyncTestClient[Litestar]


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def test_the_languages_and_custom_categories_are_saved_from_the_form_and_kept_in_other_languages(
    client: Client, sessions: async_sessionmaker[AsyncSession], admin: dict[str, str]
) -> None:
    french = {"key": "zone_files", "labels": {"en": "Zone files", "fr": "Fichiers de zone"}}
    saved = {**ORGANISATION, "custom_data_categories": [french]}
    assert (await client.put("/api/v1/admin/organisation", json=saved, headers=admin)).status_code == 200
    await add_user(sessions, "admin@example.org", Role.ADMIN)
    assert await login(client, "admin@example.org") == 303
    page = await client.get("/console/organisation")
    assert "zone_files | Zone files" in page.text
    assert re.search(r'id="language-en" name="languages" value="en" checked', page.text)

    form = {
        "_csrf_token": csrf_of(page.text),
        "legal_name": ORGANISATION["legal_name"],
        "address": ORGANISATION["address"],
        "country": ORGANISATION["country"],
        "contact_email": ORGANISATION["contact_email"],
        "custom_data_categories": "zone_files | DNS zone files | Records customers keep with us\ntelemetry",
        "languages": ["fr", "en"],
        "default_language": "fr",
    }
    answer = await client.post("/console/organisation", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    profile = (await client.get("/api/v1/admin/organisation", headers=admin)).json()
    assert (profile["languages"], profile["default_language"]) == (["fr", "en"], "fr")
    zone_files, telemetry = profile["custom_data_categories"]
    assert zone_files == {
        "key": "zone_files",
        "labels": {"en": "DNS zone files", "fr": "Fichiers de zone"},
        "description": "Records customers keep with us",
    }
    assert telemetry["key"] == "telemetry"

    wrong = await client.post("/console/organisation", data={**form, "default_language": "de"})
    assert wrong.status_code == 422
    assert "the default language de is not among the languages published" in wrong.text


async def test_the_rights_channels_and_accent_colour_are_saved_and_the_rest_kept(
    client: Client, sessions: async_sessionmaker[AsyncSession], admin: dict[str, str]
) -> None:
    authority = {"name": "CNIL", "country": "FR", "website": "https://www.cnil.fr"}
    saved = {**ORGANISATION, "supervisory_authorities": [authority], "logo": "data:image/png;base64,iVBORw0KGgo="}
    assert (await client.put("/api/v1/admin/organisation", json=saved, headers=admin)).status_code == 200
    await add_user(sessions, "admin@example.org", Role.ADMIN)
    assert await login(client, "admin@example.org") == 303
    page = await client.get("/console/organisation")
    form = {
        "_csrf_token": csrf_of(page.text),
        **{name: ORGANISATION[name] for name in ("legal_name", "address", "country", "contact_email")},
        "rights_account_settings": "https://app.example.org/settings/privacy",
        "rights_department": "Legal department",
        "rights_postal_address": "1 rue de l'Exemple\n75001 Paris",
        "accent_colour": "#6b2c91",
    }
    assert (await client.post("/console/organisation", data=form, follow_redirects=False)).status_code == 303
    profile = (await client.get("/api/v1/admin/organisation", headers=admin)).json()
    assert profile["rights_channels"]["account_settings"] == "https://app.example.org/settings/privacy"
    assert profile["rights_channels"]["department"] == "Legal department"
    assert profile["accent_colour"] == "#6b2c91"
    assert profile["supervisory_authorities"][0]["name"] == "CNIL" and profile["logo"] == saved["logo"]
    assert (await client.get("/privacy/brand.css")).text == ":root { --accent: #6b2c91; }\n"

    pale = await client.post("/console/organisation", data={**form, "accent_colour": "#ffee88"})
    assert pale.status_code == 422 and "too light to read on white" in pale.text
    wrong = await client.post("/console/organisation", data={**form, "rights_account_settings": "http://plain"})
    assert wrong.status_code == 422
