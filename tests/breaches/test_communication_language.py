"""The letter to the people affected (Art. 34), in each person's language: the fixed wording from
the catalogues, dates in words, the team's own account of the breach as written; a person whose
language the list does not give reads the organisation's default language. Delivered through a
real SMTP server, each person once."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.breaches.test_api import recorded
from tests.mail_fixtures import Mailbox, body_of

Client = AsyncTestClient[Litestar]
BREACH = {
    "aware_at": datetime(2025, 3, 2, 9, 30, tzinfo=UTC),
    "started_at": datetime(2025, 2, 27, 18, 0, tzinfo=UTC).isoformat(),
    "high_risk": True,
    "advice": "Change your password and beware of emails asking for it.",
}


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def test_a_french_and_a_german_person_each_read_the_letter_in_their_language(
    web: Client, officer: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    created = await recorded(web, officer, **BREACH)
    url = f"/api/v1/admin/breaches/{created['id']}/people"
    people = [{"email": "camille@example.fr", "language": "fr"}, {"email": "grete@example.de", "language": "de"}]
    assert (await web.post(url, json={"people": people}, headers=officer)).json() == {"queued": 2, "already": 0}
    again = await web.post(url, json={"people": [{"email": "camille@example.fr", "language": "de"}]}, headers=officer)
    assert again.json() == {"queued": 0, "already": 1}, "another language is no reason to write twice"
    await background()

    [french] = mailbox.to("camille@example.fr")
    assert (
        subject_of(french)
        == "Important\u00a0: un incident concernant vos données personnelles chez Nordlicht Hosting GmbH"
    )
    body = body_of(french)
    assert "Nous en avons eu connaissance le 2 mars 2025. L'incident a commencé le 27 février 2025." in body
    assert "une personne qui n'y était pas autorisée a pu consulter ou dérober vos données" in body
    assert "Coordonnées (e-mail, téléphone, adresse postale)" in body
    assert "Ce que vous pouvez faire\u00a0: Change your password" in body, "the team's advice stays as written"
    assert "Data Protection Office\u00a0: dpo@nordlicht-hosting.example" in body
    assert "What happened" not in body and "You may" not in body

    [german] = mailbox.to("grete@example.de")
    assert subject_of(german).startswith("Wichtig: ein Vorfall, der Ihre personenbezogenen Daten")
    body = body_of(german)
    assert "Wir haben am 2. März 2025 davon erfahren. Der Vorfall begann am 27. Februar 2025." in body
    assert "Kontaktdaten (E-Mail, Telefon, Postanschrift)" in body
    assert "Was wir unternommen haben: Laptop wiped remotely; passwords reset" in body
    assert "Beschwerde bei einer Datenschutz-Aufsichtsbehörde" in body


async def test_a_person_without_a_language_reads_the_organisations_default_one(
    web: Client, officer: dict[str, str], admin: dict[str, str], mailbox: Mailbox, background: Any
) -> None:
    organisation = (await web.get("/api/v1/admin/organisation", headers=admin)).json()
    changed = await web.put(
        "/api/v1/admin/organisation", json={**organisation, "default_language": "es"}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    created = await recorded(web, officer, **BREACH)
    url = f"/api/v1/admin/breaches/{created['id']}/people"
    told = await web.post(url, json={"people": [{"email": "ada@example.org"}]}, headers=officer)
    assert told.json() == {"queued": 1, "already": 0}
    await background()

    [spanish] = mailbox.to("ada@example.org")
    assert subject_of(spanish).startswith("Importante: un incidente que afecta a sus datos personales")
    assert "Tuvimos conocimiento de ello el 2 de marzo de 2025." in body_of(spanish)


async def test_a_language_the_toolkit_has_no_catalogue_for_is_refused(web: Client, officer: dict[str, str]) -> None:
    created = await recorded(web, officer, **BREACH)
    url = f"/api/v1/admin/breaches/{created['id']}/people"
    refused = await web.post(url, json={"people": [{"email": "ada@example.org", "language": "it"}]}, headers=officer)
    assert refused.status_code == 422 and "language" in refused.text, refused.text
