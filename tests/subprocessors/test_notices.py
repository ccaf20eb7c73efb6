"""Subscriptions with double opt-in, announcements by email with one-click unsubscribe, and
objections, with mail received by a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import date, timedelta

from babel.dates import format_date

from tests.mail_fixtures import Mailbox, body_of
from tests.subprocessors.conftest import Client, new_subprocessor

SUBSCRIBER = "cio@customer.example"


def link_token(mailbox: Mailbox, address: str, index: int = -1) -> str:
    found = re.search(r"/privacy/subprocessors/subscription\?token=([\w-]+)", body_of(mailbox.to(address)[index]))
    assert found, "the message carries its link"
    return found.group(1)


async def subscribe_and_confirm(web: Client, mailbox: Mailbox, deliver: object) -> str:
    answer = await web.post("/api/v1/subprocessors/subscriptions", json={"email": SUBSCRIBER})
    assert answer.status_code == 202
    await deliver()  # type: ignore[operator]
    [confirmation] = mailbox.to(SUBSCRIBER)
    assert "Confirm your subscription" in confirmation["Subject"]
    token = link_token(mailbox, SUBSCRIBER)
    page = await web.get("/privacy/subprocessors/subscription", params={"token": token})
    assert page.status_code == 200 and "Confirm my subscription" in page.text
    confirmed = await web.post("/api/v1/subprocessors/subscriptions/confirm", json={"token": token})
    assert confirmed.status_code == 200
    return token


async def test_only_confirmed_subscribers_hear_of_an_announcement_and_one_click_unsubscribes(
    web: Client, admin: dict[str, str], mailbox: Mailbox, deliver: object
) -> None:
    assert (
        await web.post("/api/v1/subprocessors/subscriptions", json={"email": "never@confirms.example"})
    ).status_code == 202
    await subscribe_and_confirm(web, mailbox, deliver)
    counts = await web.get("/api/v1/admin/subprocessors/subscribers", headers=admin)
    assert counts.json() == {"confirmed": 1, "awaiting_confirmation": 1}

    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    announced = await web.post(
        "/api/v1/admin/subprocessors/plausible/announce", json={"summary": "Replaces our own counter"}, headers=admin
    )
    effective_on = date.today() + timedelta(days=30)
    assert announced.json()["effective_on"] == effective_on.isoformat()
    effective = format_date(effective_on, format="long", locale="en")  # as people write it: "January 4, 2027"
    await deliver()  # type: ignore[operator]
    await deliver()  # type: ignore[operator]  (a second pass sends nothing twice)
    notices = mailbox.to(SUBSCRIBER)[1:]
    assert len(notices) == 1 and effective in notices[0]["Subject"] and "Plausible Insights" in notices[0]["Subject"]
    assert "Replaces our own counter" in body_of(notices[0]) and "object" in body_of(notices[0])
    assert "in Germany and Estonia" in body_of(notices[0]), "subscribed without a language: the default's words"
    assert len(mailbox.to("never@confirms.example")) == 1, "an unconfirmed address gets the confirmation only"

    oldest_link = link_token(mailbox, SUBSCRIBER, 0)  # the confirmation message's link: it still unsubscribes
    assert link_token(mailbox, SUBSCRIBER) == oldest_link
    unsubscribed = await web.post("/api/v1/subprocessors/subscriptions/unsubscribe", json={"token": oldest_link})
    assert unsubscribed.status_code == 200
    await web.put("/api/v1/admin/subprocessors/fathom", json=new_subprocessor("fathom", name="Fathom"), headers=admin)
    await web.post("/api/v1/admin/subprocessors/fathom/announce", json={}, headers=admin)
    await deliver()  # type: ignore[operator]
    assert len(mailbox.to(SUBSCRIBER)) == 2, "nothing more after unsubscribing"
    again = await web.post(
        "/api/v1/subprocessors/subscriptions/unsubscribe", json={"token": link_token(mailbox, SUBSCRIBER)}
    )
    assert again.status_code == 404 and again.headers["content-type"].startswith("application/problem+json")


async def test_subscribing_again_answers_the_same_and_sends_no_second_confirmation_at_once(
    web: Client, mailbox: Mailbox, deliver: object
) -> None:
    first = await web.post("/api/v1/subprocessors/subscriptions", json={"email": SUBSCRIBER})
    second = await web.post("/api/v1/subprocessors/subscriptions", json={"email": SUBSCRIBER.upper()})
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    await deliver()  # type: ignore[operator]
    assert len(mailbox.messages) == 1
    bad = await web.post("/api/v1/subprocessors/subscriptions", json={"email": "not an address"})
    assert bad.status_code == 422 and "email" in bad.text
    assert (await web.post("/api/v1/subprocessors/subscriptions/confirm", json={"token": "x" * 40})).status_code == 404
    forged = link_token(mailbox, SUBSCRIBER)[:-2] + (
        "AA" if not link_token(mailbox, SUBSCRIBER).endswith("AA") else "BB"
    )
    assert (await web.post("/api/v1/subprocessors/subscriptions/confirm", json={"token": forged})).status_code == 404


async def test_objections_are_recorded_during_the_notice_period_only(
    web: Client, admin: dict[str, str], auditor: dict[str, str]
) -> None:
    objection = {"organisation": "Customer AG", "email": "legal@customer.example", "reason": "No analytics vendors"}
    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    too_early = await web.post("/api/v1/subprocessors/plausible/objections", json=objection)
    assert too_early.status_code == 409, "nothing announced yet"
    await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    recorded = await web.post("/api/v1/subprocessors/plausible/objections", json=objection)
    assert recorded.status_code == 201
    assert (await web.post("/api/v1/subprocessors/stripe/objections", json=objection)).status_code == 409
    assert (await web.post("/api/v1/subprocessors/nobody/objections", json=objection)).status_code == 404
    empty = await web.post("/api/v1/subprocessors/plausible/objections", json={**objection, "reason": ""})
    assert empty.status_code == 422 and "reason" in empty.text
    [listed] = (await web.get("/api/v1/admin/subprocessors/objections", headers=auditor)).json()
    assert (listed["key"], listed["organisation"], listed["email"], listed["reason"]) == (
        "plausible", "Customer AG", "legal@customer.example", "No analytics vendors",
    )  # fmt: skip
    assert listed["received_at"].startswith(date.today().isoformat())


async def test_a_customer_objects_from_the_public_page(web: Client, admin: dict[str, str]) -> None:
    await web.put("/api/v1/admin/subprocessors/plausible", json=new_subprocessor(), headers=admin)
    assert "Object to Plausible" not in (await web.get("/privacy/subprocessors")).text, "nothing to object to yet"
    await web.post("/api/v1/admin/subprocessors/plausible/announce", json={}, headers=admin)
    page = await web.get("/privacy/subprocessors")
    assert "Object to Plausible Insights OÜ" in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    form = {"_csrf_token": token.group(1), "organisation": "Customer AG", "email": "legal@customer.example"}
    missing = await web.post("/privacy/subprocessors/plausible/objections", data={**form, "reason": ""})
    assert missing.status_code == 422 and "reason" in missing.text and "Customer AG" in missing.text
    sent = await web.post("/privacy/subprocessors/plausible/objections", data={**form, "reason": "No analytics"})
    assert sent.status_code == 200 and "Your objection is recorded" in sent.text
    [listed] = (await web.get("/api/v1/admin/subprocessors/objections", headers=admin)).json()
    assert (listed["organisation"], listed["reason"]) == ("Customer AG", "No analytics")
