"""The sub-processor pages in the reader's language (catalogue wording, data categories by their
labels, countries by their names, dates in words) and subscribers' emails in the language they
subscribed in, received by a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email.header import decode_header, make_header
from email.message import Message
from urllib.parse import urlsplit

from babel.dates import format_date

from tests.mail_fixtures import Mailbox, body_of
from tests.subprocessors.conftest import Client, new_subprocessor
from tests.subprocessors.test_notices import link_token

KEYS_AND_CODES = ["hosted_content", "dns_and_domain_records", "eu_us_data_privacy_framework", "not_needed", "sccs_"]
DNS = {"key": "dns_and_domain_records", "labels": {"en": "DNS and domain records", "fr": "Zones DNS et domaines"}}


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def csrf(page: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def announce_plausible_and_label_a_custom_category(web: Client, admin: dict[str, str]) -> date:
    """Plausible announced; Hetzner, in use, also holds the organisation's own category."""
    organisation = (await web.get("/api/v1/admin/organisation", headers=admin)).json()
    labelled = {**organisation, "custom_data_categories": [DNS]}
    assert (await web.put("/api/v1/admin/organisation", json=labelled, headers=admin)).status_code == 200
    listed = (await web.get("/api/v1/admin/subprocessors", headers=admin)).json()
    hetzner = next(entry for entry in listed if entry["key"] == "hetzner")
    hetzner = {name: value for name, value in hetzner.items() if name not in ("status", "effective_on", "pending")}
    hetzner["data_categories"].append("dns_and_domain_records")
    assert (await web.put("/api/v1/admin/subprocessors/hetzner", json=hetzner, headers=admin)).status_code == 200
    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    announced = await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    return date.fromisoformat(announced.json()["effective_on"])


async def test_the_list_reads_in_french_and_in_dutch(web: Client, admin: dict[str, str]) -> None:
    effective_on = await announce_plausible_and_label_a_custom_category(web, admin)
    french_html = (await web.get("/privacy/subprocessors", params={"lang": "fr"})).text
    french = words(french_html)
    assert '<html lang="fr">' in french_html and 'aria-current="page">Sous-traitants<' in french_html
    assert "Nouveau\u00a0:" in french_html, "French typography"
    assert "Modifications annoncées" in french and "Nouveau : Plausible Insights OÜ" in french
    assert f"à compter du {format_date(effective_on, format='long', locale='fr')}" in french
    assert "Opposition à Plausible Insights OÜ" in french and "Motif de votre opposition" in french
    assert "au moins 30 jours avant" in french, "the notice period in words"
    assert "Identification (nom, identifiant, numéro client)" in french, "the taxonomy's labels, translated"
    assert "Contenus que les clients stockent sur le service" in french
    assert "Allemagne, Finlande" in french and "États-Unis" in french, "countries by their French names"
    assert "clauses contractuelles types" in french and "Entité" in french and "S'abonner" in french
    assert f"En service au {format_date(date.today(), format='long', locale='fr')}" in french

    dutch_html = (await web.get("/privacy/subprocessors", headers={"accept-language": "nl-BE,nl;q=0.9"})).text
    dutch = words(dutch_html)
    assert '<html lang="nl">' in dutch_html and "Aangekondigde wijzigingen" in dutch and "Nieuw: Plausible" in dutch
    assert "Identificatie (naam, gebruikersnaam, klantnummer)" in dutch and "Duitsland, Finland" in dutch
    assert "Verenigde Staten" in dutch and "Geschiedenis van de wijzigingen" in dutch
    assert f"vanaf {format_date(effective_on, format='long', locale='nl')}" in dutch

    assert "Zones DNS et domaines" in french, "the organisation's own label in French"
    assert "DNS and domain records" in dutch, "no Dutch label given: the organisation's English one"
    for page in (french, dutch):
        assert not [key for key in KEYS_AND_CODES if key in page]
        assert not re.search(r"\b(DE|FI|IE|US|EE)\b", page), "countries by name, not code"
        assert not re.search(r"\d{4}-\d{2}-\d{2}", page), "dates in words"


async def test_a_language_not_published_is_answered_with_a_note(web: Client, admin: dict[str, str]) -> None:
    organisation = (await web.get("/api/v1/admin/organisation", headers=admin)).json()
    only_two = {**organisation, "languages": ["de", "en"], "default_language": "de"}
    assert (await web.put("/api/v1/admin/organisation", json=only_two, headers=admin)).status_code == 200
    page = (await web.get("/privacy/subprocessors", params={"lang": "fr"})).text
    assert '<html lang="de">' in page and "Unterauftragsverarbeiter" in page
    assert "Cette page n'est pas publiée en français" in words(page)


async def test_a_french_subscription_is_confirmed_and_told_of_changes_in_french(
    web: Client, admin: dict[str, str], mailbox: Mailbox, deliver: object
) -> None:
    page = await web.get("/privacy/subprocessors", params={"lang": "fr"})
    sent = await web.post(
        "/privacy/subprocessors?lang=fr", data={"_csrf_token": csrf(page.text), "email": "dpo@client.example"}
    )
    assert "Merci. Veuillez confirmer" in sent.text
    assert (
        await web.post("/api/v1/subprocessors/subscriptions", json={"email": "cio@klant.example", "language": "nl"})
    ).status_code == 202
    await deliver()  # type: ignore[operator]

    [confirmation] = mailbox.to("dpo@client.example")
    assert confirmation["Subject"] == "Confirmez votre abonnement aux modifications de nos sous-traitants"
    assert "appuyez sur «\u00a0Confirmer mon abonnement\u00a0»" in body_of(confirmation)
    link = re.search(r"http://\S+/privacy/subprocessors/subscription\?\S+", body_of(confirmation))
    assert link and link.group(0).endswith("&lang=fr")
    address = urlsplit(link.group(0))
    opened = await web.get(f"{address.path}?{address.query}")
    assert '<html lang="fr">' in opened.text and "Confirmer mon abonnement" in opened.text
    confirmed = await web.post(
        "/privacy/subprocessors/subscription?lang=fr",
        data={
            "_csrf_token": csrf(opened.text),
            "token": link_token(mailbox, "dpo@client.example"),
            "action": "confirm",
        },
    )
    assert "Votre abonnement est confirmé" in confirmed.text
    assert "Bevestig uw abonnement" in mailbox.to("cio@klant.example")[0]["Subject"]
    dutch_token = link_token(mailbox, "cio@klant.example")
    assert (
        await web.post("/api/v1/subprocessors/subscriptions/confirm", json={"token": dutch_token})
    ).status_code == 200

    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    await web.post(
        "/api/v1/admin/subprocessors/plausible/announce", json={"summary": "Remplace notre compteur"}, headers=admin
    )
    await deliver()  # type: ignore[operator]
    effective_on = date.today() + timedelta(days=30)
    french = mailbox.to("dpo@client.example")[-1]
    assert subject_of(french).startswith(
        f"Nouveau sous-traitant à compter du {format_date(effective_on, format='long', locale='fr')}"
    )
    body = body_of(french)
    assert "nous ferons appel à un nouveau sous-traitant" in body and "Allemagne et Estonie" in body
    assert "Remplace notre compteur" in body and "/privacy/subprocessors?lang=fr" in body
    assert "appuyez sur «\u00a0Me désabonner\u00a0»" in body
    dutch = body_of(mailbox.to("cio@klant.example")[-1])
    assert "Vanaf" in dutch and "Duitsland en Estland" in dutch


async def test_form_problems_are_told_in_the_page_language(web: Client, admin: dict[str, str]) -> None:
    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    token = csrf((await web.get("/privacy/subprocessors", params={"lang": "fr"})).text)
    bad_email = await web.post(
        "/privacy/subprocessors?lang=fr", data={"_csrf_token": token, "email": "pas une adresse"}
    )
    assert bad_email.status_code == 422 and "Saisissez une adresse e-mail valide." in bad_email.text
    form = {"_csrf_token": token, "organisation": "Client SA", "email": "juridique@client.example", "reason": ""}
    missing = await web.post("/privacy/subprocessors/plausible/objections?lang=fr", data=form)
    assert missing.status_code == 422 and "Indiquez-nous le motif de votre opposition." in missing.text
    assert 'href="#reason-plausible"' in missing.text and "Client SA" in missing.text
    closed = await web.post("/privacy/subprocessors/stripe/objections?lang=fr", data={**form, "reason": "Non"})
    assert closed.status_code == 409 and "Il n'est possible de s'opposer" in words(closed.text)
    sent = await web.post("/privacy/subprocessors/plausible/objections?lang=fr", data={**form, "reason": "Non"})
    assert sent.status_code == 200 and "Votre opposition est enregistrée." in sent.text
