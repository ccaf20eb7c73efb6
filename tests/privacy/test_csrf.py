"""Walks every form the app serves (console and public pages: every POST, PUT, PATCH or DELETE
route outside the JSON API) and proves that a post without the CSRF token, or with a token of
another browser, is refused and changes nothing, while the same post with the token goes through."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dsar.models import RequestStep
from privacy import auth, mail
from privacy.actors import Role
from privacy.app import create_app
from privacy.composition import background_jobs, configuration
from privacy.db import Base, utcnow
from privacy.settings import Settings
from privacy.work import run_jobs
from retention import review
from tests.conftest import (
    PASSWORD,
    SYSTEM,
    activity,
    add_user,
    app_with_demo,
    bearer,
    client_of,
    csrf_token,
    login,
    sessions_of,
)

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
ADMIN = "dana@example.org"
AUDITOR = "eve@example.org"


def form_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every state-changing route that is not part of the JSON API."""
    return {
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith("/api/")
        for handler in route.route_handlers
        for method in handler.http_methods & UNSAFE
    }


async def snapshot(sessions: Sessions) -> dict[str, list[str]]:
    """Every row of every table: equal snapshots mean nothing changed."""
    async with sessions() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in (await session.execute(select(table))).all())
            for table in Base.metadata.sorted_tables
        }


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


@dataclass
class World:
    """What the forms act on: the demo organisation and a few objects made through the API."""

    sessions: Sessions
    browser: Client
    attacker_token: str
    eve: str = ""
    token_id: str = ""
    letter: dict[str, Any] | None = None
    access: dict[str, Any] | None = None
    step_id: int = 0
    public_reference: str = ""
    restricted: dict[str, Any] | None = None
    restriction_id: str = ""
    recipient_id: int = 0
    failed_step_id: int = 0
    breach_id: str = ""


@dataclass(frozen=True)
class Form:
    route: str  # the path as the app registers it
    path: Callable[[World], str]
    data: Callable[[World], Awaitable[dict[str, str]]]


def fixed(path: str) -> Callable[[World], str]:
    return lambda _: path


def fields(**values: str) -> Callable[[World], Awaitable[dict[str, str]]]:
    async def build(_: World) -> dict[str, str]:
        return dict(values)

    return build


ACTIVITY_FORM = {
    "name": "Support tickets",
    "purpose": "Answer support tickets",
    "data_subject_categories": "Customers",
    "personal_data_categories": "contact",
    "lawful_basis": "contract",
    "recipients": "Support tool",
    "retention": "Two years",
    "security_measures": "Access control",
    "dpia_status": "not_required",
}


async def consent_document(_: World) -> dict[str, str]:
    demo = configuration().parse(resources.files("privacy").joinpath("demo.yaml").read_text())
    assert demo.consent is not None
    setup = demo.consent.model_dump(mode="json", exclude_defaults=True) | {"policy_version": "2027-01"}
    return {"document": yaml.safe_dump(setup, allow_unicode=True)}


async def letter_form(_: World) -> dict[str, str]:
    received = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return {
        "type": "rectification",
        "email": "grace@example.org",
        "received_at": received,
        "channel": "letter",
        "verification": "Signed letter matched the contract on file",
    }


async def confirmation(world: World) -> dict[str, str]:
    """The token from the link the subscription form mailed (the outbox waits: no SMTP here)."""
    async with world.sessions() as session:
        letters = await mail.pending_messages(session)
    link = next(m for m in (re.search(r"subscription\?token=([\w-]+)", letter.body) for letter in letters) if m)
    return {"token": link.group(1), "action": "confirm"}


async def dry_run_seen(world: World) -> dict[str, str]:
    """The dry run that background work made of a demo rule awaiting review: what the approver saw."""
    async with world.sessions() as session:
        shown = await review.review_of(session, key="delivered-mail")
    assert shown.dry_run is not None
    return {"run": str(shown.dry_run.id)}


# In an order where each post with its token leaves what the next one needs; signing out last.
AN_HOUR_AGO = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
FORMS = [
    Form("/console/login", fixed("/console/login"), fields(email=ADMIN, password=PASSWORD)),
    Form("/console/activities/new", fixed("/console/activities/new"), fields(key="support", **ACTIVITY_FORM)),
    Form(
        "/console/activities/{key:str}/edit",
        fixed("/console/activities/billing/edit"),
        fields(**{**ACTIVITY_FORM, "name": "Billing, edited"}),
    ),
    Form(
        "/console/organisation",
        fixed("/console/organisation"),
        fields(
            legal_name="Someone Else GmbH",
            address="1 Other Street, Berlin",
            country="DE",
            contact_email="x@example.org",
        ),
    ),
    Form(
        "/console/users", fixed("/console/users"), fields(email="mallory@example.org", password=PASSWORD, role="admin")
    ),
    Form("/console/users/{user_id:uuid}", lambda w: f"/console/users/{w.eve}", fields(role="admin", active="yes")),
    Form("/console/tokens", fixed("/console/tokens"), fields(name="mallory", role="admin")),
    Form("/console/tokens/{token_id:uuid}/revoke", lambda w: f"/console/tokens/{w.token_id}/revoke", fields()),
    Form("/console/consent/setup", fixed("/console/consent/setup"), consent_document),
    Form("/console/requests", fixed("/console/requests"), letter_form),
    Form(
        "/console/requests/{request_id:uuid}/extend",
        lambda w: f"/console/requests/{w.letter['id']}/extend",  # type: ignore[index]
        fields(reason="The data sits in archived systems that must be restored."),
    ),
    Form(
        "/console/requests/{request_id:uuid}/refuse",
        lambda w: f"/console/requests/{w.letter['id']}/refuse",  # type: ignore[index]
        fields(reason="excessive", explanation="The ninth identical request this month."),
    ),
    Form(
        "/console/requests/{request_id:uuid}/restriction/{restriction_id:uuid}/lift",
        lambda w: f"/console/requests/{w.restricted['id']}/restriction/{w.restriction_id}/lift",  # type: ignore[index]
        fields(reason="The claim was settled in court."),
    ),
    Form(
        "/console/requests/{request_id:uuid}/steps/{step_id:int}/retry",
        lambda w: f"/console/requests/{w.restricted['id']}/steps/{w.failed_step_id}/retry",  # type: ignore[index]
        fields(),
    ),
    Form(
        "/console/requests/{request_id:uuid}/recipients/{recipient_id:int}",
        lambda w: f"/console/requests/{w.letter['id']}/recipients/{w.recipient_id}",  # type: ignore[index]
        fields(answer="informed"),
    ),
    Form(
        "/console/requests/{request_id:uuid}/steps/{step_id:int}",
        lambda w: f"/console/requests/{w.access['id']}/steps/{w.step_id}",  # type: ignore[index]
        fields(rows="box,document\nB-17,Signed contract\n"),
    ),
    Form(
        "/console/subprocessors/{key:str}/{change:str}",
        fixed("/console/subprocessors/matomo-cloud/announce"),
        fields(summary="Web analytics move to Matomo Cloud"),
    ),
    Form("/privacy/requests", fixed("/privacy/requests"), fields(type="erasure", email="walker@example.org")),
    Form(
        "/privacy/requests/{reference:str}/verify",
        lambda w: f"/privacy/requests/{w.public_reference}/verify",
        fields(code="000000"),  # a wrong code counts as an attempt: a change
    ),
    Form(
        "/privacy/requests/{reference:str}/code",
        lambda w: f"/privacy/requests/{w.letter['reference']}/code",  # type: ignore[index]
        fields(),  # a request recorded by staff has no code yet: asking sends one
    ),
    Form("/privacy/subprocessors", fixed("/privacy/subprocessors"), fields(email="subscriber@example.org")),
    Form("/privacy/subprocessors/subscription", fixed("/privacy/subprocessors/subscription"), confirmation),
    Form(
        "/privacy/subprocessors/{key:str}/objections",
        fixed("/privacy/subprocessors/matomo-cloud/objections"),
        fields(
            organisation="Customer Ltd",
            email="legal@customer.example",
            reason="We do not accept a new analytics processor.",
        ),
    ),
    Form("/console/breaches", fixed("/console/breaches"), fields(aware_at=AN_HOUR_AGO, summary="A walked breach")),
    Form(
        "/console/breaches/{breach_id:uuid}",
        lambda w: f"/console/breaches/{w.breach_id}",
        fields(aware_at=AN_HOUR_AGO, summary="What is known now", high_risk="true", **{"activity-kunde-mail": "yes"}),
    ),
    Form(
        "/console/breaches/{breach_id:uuid}/people",
        lambda w: f"/console/breaches/{w.breach_id}/people",
        fields(people="walker@example.org,en"),
    ),
    Form(
        "/console/breaches/{breach_id:uuid}/people/gather",
        lambda w: f"/console/breaches/{w.breach_id}/people/gather",
        fields(),
    ),
    Form(
        "/console/breaches/{breach_id:uuid}/notifications",
        lambda w: f"/console/breaches/{w.breach_id}/notifications",
        fields(phase="initial", notified_at=AN_HOUR_AGO),
    ),
    Form(
        "/console/breaches/{breach_id:uuid}/controllers",
        lambda w: f"/console/breaches/{w.breach_id}/controllers",
        fields(),
    ),
    Form(
        "/console/dpias/{key:str}/screening",
        fixed("/console/dpias/service-delivery/screening"),
        fields(**{"criterion-large_scale": "yes"}),
    ),
    Form(
        "/console/dpias/{key:str}",
        fixed("/console/dpias/service-delivery"),
        fields(description="Hosting described.", necessity="Needed for the contract."),
    ),
    Form("/console/dpias/{key:str}/sign-off", fixed("/console/dpias/billing/sign-off"), fields(signed_by="CEO")),
    Form("/console/retention/{key:str}/approve", fixed("/console/retention/delivered-mail/approve"), dry_run_seen),
    Form("/console/logout", fixed("/console/logout"), fields()),
]


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    # Public posts are rate limited per client; this walk makes more than a visitor would.
    walk_settings = settings.model_copy(update={"request_posts_per_minute": 1000})
    app = await app_with_demo(walk_settings)
    async with (
        sessions_of(app, walk_settings) as sessions,
        client_of(app) as browser,
        client_of(create_app(walk_settings)) as attacker,
    ):
        async with sessions() as session, session.begin():
            _, secret = await auth.create_token(session, name="set-up", role=Role.ADMIN, actor=SYSTEM)
        await add_user(sessions, ADMIN, Role.ADMIN)
        await add_user(sessions, AUDITOR, Role.AUDITOR)
        admin = bearer(secret)
        world = World(sessions, browser, attacker_token=await csrf_token(attacker))
        world.eve = next(
            u["id"] for u in (await browser.get("/api/v1/admin/users", headers=admin)).json() if u["email"] == AUDITOR
        )
        world.token_id = (
            await browser.post("/api/v1/admin/tokens", json={"name": "ci", "role": "auditor"}, headers=admin)
        ).json()["id"]
        manual = {"key": "archive", "name": "Paper archive", "kind": "manual", "owner_email": "archivist@example.org"}
        assert (await browser.put("/api/v1/admin/connectors/archive", json=manual, headers=admin)).status_code == 200
        received = (utcnow() - timedelta(days=1)).isoformat()
        letter = {"email": "grace@example.org", "received_at": received, "channel": "letter", "verification": "letter"}
        world.letter = (
            await browser.post("/api/v1/admin/requests", json={**letter, "type": "rectification"}, headers=admin)
        ).json()
        world.access = (
            await browser.post("/api/v1/admin/requests", json={**letter, "type": "access"}, headers=admin)
        ).json()
        restriction = {**letter, "type": "restriction", "restriction_ground": "legal_claims"}
        world.restricted = (await browser.post("/api/v1/admin/requests", json=restriction, headers=admin)).json()
        await run_jobs(
            sessions, background_jobs(), settings=walk_settings
        )  # the archive's step now waits for its owner
        steps = (await browser.get(f"/api/v1/admin/requests/{world.access['id']}", headers=admin)).json()["steps"]
        world.step_id = next(s["id"] for s in steps if s["system"] == "archive" and s["status"] == "waiting")
        [placed] = (await browser.get("/api/v1/admin/restrictions", headers=admin)).json()
        rectification = (await browser.get(f"/api/v1/admin/requests/{world.letter['id']}", headers=admin)).json()
        world.recipient_id = rectification["recipients"][0]["id"]
        world.failed_step_id = await a_failed_step(sessions, world.restricted["id"])  # type: ignore[index]
        world.restriction_id = placed["id"]
        world.breach_id = await a_breach_touching_a_controllers_data(browser, admin)
        levels = {"likelihood": "limited", "severity": "limited"}
        leak = {"description": "Leak", "measures": "Access control", **levels}
        leak |= {"residual_likelihood": "limited", "residual_severity": "limited"}
        ready = {"description": "Invoices.", "necessity": "Tax law.", "dpo_opinion": "Fine.", "review_on": "2027-12-01"}
        ready["risks"] = [leak]  # type: ignore[assignment]
        assert (await browser.put("/api/v1/admin/dpias/billing", json=ready, headers=admin)).status_code == 200
        intake = await browser.post("/api/v1/requests", json={"type": "access", "email": "ada@example.org"})
        world.public_reference = intake.json()["reference"]
        assert await login(browser, ADMIN) == 303
        yield world
    await app.state.db_config.get_engine().dispose()


async def a_breach_touching_a_controllers_data(browser: Client, admin: dict[str, str]) -> str:
    """A breach of data the organisation processes for a controller whose email the register holds."""
    controller = {"name": "Kunde GmbH", "email": "privacy@kunde.example"}
    processor = activity("kunde-mail", role="processor", controller=controller)
    assert (await browser.post("/api/v1/admin/activities", json=processor, headers=admin)).status_code == 201
    breach = {"aware_at": utcnow().isoformat(), "summary": "Walked breach", "activities": ["kunde-mail"]}
    answer = await browser.post("/api/v1/admin/breaches", json=breach, headers=admin)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def a_failed_step(sessions: Sessions, request_id: str) -> int:
    """The archive's step of a request, as if it had failed every try."""
    async with sessions() as session, session.begin():
        step = await session.scalar(
            select(RequestStep).where(RequestStep.request_id == uuid.UUID(request_id), RequestStep.system == "archive")
        )
        assert step is not None
        step.status = "failed"
        return step.id


def test_every_form_route_is_walked(app: Litestar) -> None:
    walked = {("POST", form.route) for form in FORMS}
    assert form_routes(app) == walked, "a new form route needs its entry in FORMS"


async def test_every_form_refuses_a_post_without_its_csrf_token_and_changes_nothing(world: World) -> None:
    browser = world.browser
    refused: dict[str, list[int]] = {}
    changed: dict[str, list[str]] = {}
    not_accepted: dict[str, int] = {}
    for form in FORMS:
        path, data = form.path(world), await form.data(world)
        before = await snapshot(world.sessions)
        # The browser sends its cookies (session and CSRF) as a forged cross-site post would.
        without = await browser.post(path, data=data, follow_redirects=False)
        another = await browser.post(path, data={**data, "_csrf_token": world.attacker_token}, follow_redirects=False)
        in_header = await browser.post(path, data=data, headers={"x-csrftoken": "0" * 64}, follow_redirects=False)
        statuses = [without.status_code, another.status_code, in_header.status_code]
        if statuses != [403, 403, 403]:
            refused[form.route] = statuses
        if moved := changed_tables(before, await snapshot(world.sessions)):
            changed[form.route] = moved
        # The same post with the page's token goes through (a wrong code is a 422 that counts the
        # attempt): the refusal was the token's doing.
        accepted = await browser.post(
            path, data={**data, "_csrf_token": await csrf_token(browser)}, follow_redirects=False
        )
        status = accepted.status_code
        if status == 403 or status >= 500 or not changed_tables(before, await snapshot(world.sessions)):
            not_accepted[form.route] = status
    assert refused == {}, "posts without the right token must get 403"
    assert changed == {}, "a refused post must change nothing"
    assert not_accepted == {}, "with its token, each post is accepted and changes something"


EXCLUDED_LOOKALIKES = ["health-records", "metrics-dashboard", "schema-registry", "static-site"]


@pytest.mark.parametrize("key", EXCLUDED_LOOKALIKES)
async def test_a_key_that_looks_like_a_path_without_csrf_still_needs_the_token(
    client: Client, sessions: Sessions, admin: dict[str, str], key: str
) -> None:
    assert (await client.post("/api/v1/admin/activities", json=activity(key), headers=admin)).status_code == 201
    await add_user(sessions, ADMIN, Role.ADMIN)
    assert await login(client, ADMIN) == 303
    forged = await client.post(
        f"/console/activities/{key}/edit", data={**ACTIVITY_FORM, "name": "Changed by a forged post"}
    )
    name = (await client.get(f"/api/v1/admin/activities/{key}", headers=admin)).json()["name"]
    assert (forged.status_code, name) == (403, f"Activity {key}")
