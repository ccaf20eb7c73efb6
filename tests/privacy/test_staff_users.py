"""Staff users as the people behind them see it: a role change or a deactivation holds from the
very next request of a session already open, signing out ends the session for good, and the
toolkit always keeps an active admin."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import auth
from privacy.actors import Role
from privacy.app import create_app
from privacy.settings import Settings
from tests.conftest import PASSWORD, add_user, client_of, csrf_token, login
from tests.live_app import serving

Client = AsyncTestClient[Litestar]
Sessions = async_sessionmaker[AsyncSession]
ADMIN = "dana@example.org"
OFFICER = "oscar@example.org"
SESSION_COOKIE = "privacy_session"


@contextlib.asynccontextmanager
async def browser(settings: Settings) -> AsyncIterator[Client]:
    """Another browser, with its own cookies, served by another worker of the same service."""
    async with client_of(create_app(settings)) as other:
        yield other


@pytest.fixture
async def other_browser(settings: Settings) -> AsyncIterator[Client]:
    async with browser(settings) as other:
        yield other


async def with_cookie(client: Client, path: str, cookie: str) -> int:
    """A request carrying an old session cookie, as whoever copied it would send it."""
    return (await client.get(path, headers={"cookie": f"{SESSION_COOKIE}={cookie}"})).status_code


async def user_id(sessions: Sessions, email: str) -> uuid.UUID:
    async with sessions() as session:
        return next(u.id for u in await auth.list_users(session) if auth.user_label(session, u) == email)


async def change_in_console(admin_browser: Client, target: uuid.UUID, *, role: str, active: str) -> int:
    form = {"role": role, "active": active, "_csrf_token": await csrf_token(admin_browser)}
    answer = await admin_browser.post(f"/console/users/{target}", data=form, follow_redirects=False)
    return answer.status_code


async def new_activity_in_console(someone: Client, key: str) -> int:
    form = {
        "_csrf_token": await csrf_token(someone),
        "key": key,
        "name": f"Activity {key}",
        "purpose": "Answer support tickets",
        "data_subject_categories": "Customers",
        "personal_data_categories": "contact",
        "lawful_basis": "contract",
        "recipients": "Support tool",
        "retention": "Two years",
        "security_measures": "Access control",
        "dpia_status": "not_required",
    }
    answer = await someone.post("/console/activities/new", data=form, follow_redirects=False)
    return answer.status_code


async def users_by_email(client: Client, admin_token: dict[str, str]) -> dict[str, dict[str, object]]:
    listed = (await client.get("/api/v1/admin/users", headers=admin_token)).json()
    return {user["email"]: user for user in listed}


async def test_a_role_change_holds_from_the_next_request_of_an_open_session(
    client: Client, other_browser: Client, sessions: Sessions, admin: dict[str, str]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    await add_user(sessions, OFFICER, Role.PRIVACY_OFFICER)
    assert await login(client, ADMIN) == 303
    assert await login(other_browser, OFFICER) == 303
    officer_id = await user_id(sessions, OFFICER)

    assert (await other_browser.get("/console/users")).status_code == 403, "an officer does not see staff"
    assert await new_activity_in_console(other_browser, "support") == 303

    assert await change_in_console(client, officer_id, role="auditor", active="yes") == 303
    # The same session, not signed in again:
    assert (await other_browser.get("/console/users")).status_code == 200, "an auditor sees staff"
    assert await new_activity_in_console(other_browser, "support-2") == 403, "an auditor changes nothing"
    listed = (await client.get("/api/v1/admin/activities", headers=admin)).json()
    assert [a["key"] for a in listed] == ["support"]

    # Through the API with an admin token, back to officer: again effective at once.
    back = await client.patch(f"/api/v1/admin/users/{officer_id}", json={"role": "privacy_officer"}, headers=admin)
    assert back.status_code == 200 and back.json()["role"] == "privacy_officer"
    assert (await other_browser.get("/console/users")).status_code == 403
    assert await new_activity_in_console(other_browser, "support-2") == 303


async def test_deactivation_ends_every_console_session_of_that_user_and_only_theirs(
    client: Client, other_browser: Client, settings: Settings, sessions: Sessions, admin: dict[str, str]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    await add_user(sessions, OFFICER, Role.PRIVACY_OFFICER)
    assert await login(client, ADMIN) == 303
    assert await login(other_browser, OFFICER) == 303
    async with browser(settings) as third_browser:
        assert await login(third_browser, OFFICER) == 303
        old_cookies = [browser.cookies[SESSION_COOKIE] for browser in (other_browser, third_browser)]
        officer_id = await user_id(sessions, OFFICER)

        assert await change_in_console(client, officer_id, role="privacy_officer", active="no") == 303
        assert (await other_browser.get("/console")).status_code == 401
        assert (await third_browser.get("/console")).status_code == 401
        assert (await client.get("/console")).status_code == 200, "the admin's own session goes on"
        assert await login(third_browser, OFFICER) == 401, "a deactivated user cannot sign in"

        # Active again: the sessions ended stay ended; a new sign-in works.
        reactivated = await client.patch(f"/api/v1/admin/users/{officer_id}", json={"active": True}, headers=admin)
        assert reactivated.status_code == 200 and reactivated.json()["active"] is True
        for cookie in old_cookies:
            assert await with_cookie(third_browser, "/console", cookie) == 401
        assert await login(third_browser, OFFICER) == 303
        assert (await third_browser.get("/console")).status_code == 200

        # Deactivated through the API with an admin token: the same.
        gone = await client.patch(f"/api/v1/admin/users/{officer_id}", json={"active": False}, headers=admin)
        assert gone.status_code == 200
        assert (await third_browser.get("/console")).status_code == 401


async def test_signing_out_ends_the_session_so_its_cookie_opens_nothing(
    client: Client, other_browser: Client, sessions: Sessions
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    assert await login(client, ADMIN) == 303
    assert await login(other_browser, ADMIN) == 303, "the same person in a second browser"
    cookie = client.cookies[SESSION_COOKIE]
    assert (await client.get("/console")).status_code == 200

    signed_out = await client.post(
        "/console/logout", data={"_csrf_token": await csrf_token(client)}, follow_redirects=False
    )
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/console/login"
    removal = next(h for h in signed_out.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}="))
    assert "Max-Age=0" in removal, removal

    # The old cookie, replayed as someone who copied it would: refused by the server.
    assert await with_cookie(client, "/console", cookie) == 401
    assert await with_cookie(client, "/api/v1/admin/activities", cookie) == 401
    assert (await other_browser.get("/console")).status_code == 200, "signing out ends this session only"


async def test_the_only_admin_cannot_demote_or_deactivate_itself(
    client: Client, sessions: Sessions, admin: dict[str, str]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    await add_user(sessions, OFFICER, Role.PRIVACY_OFFICER)
    assert await login(client, ADMIN) == 303
    own_id = await user_id(sessions, ADMIN)
    for role, active in [("privacy_officer", "yes"), ("auditor", "yes"), ("admin", "no")]:
        assert await change_in_console(client, own_id, role=role, active=active) == 409, (role, active)
    me = (await users_by_email(client, admin))[ADMIN]
    assert (me["role"], me["active"]) == ("admin", True)
    assert (await client.get("/console/users")).status_code == 200, "still an admin, still signed in"


async def test_an_admin_may_demote_another_admin_while_one_stays(
    client: Client, sessions: Sessions, admin: dict[str, str]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    await add_user(sessions, "second-admin@example.org", Role.ADMIN)
    assert await login(client, ADMIN) == 303
    second = await user_id(sessions, "second-admin@example.org")
    assert await change_in_console(client, second, role="auditor", active="yes") == 303
    assert await change_in_console(client, second, role="auditor", active="no") == 303
    users = await users_by_email(client, admin)
    assert (users["second-admin@example.org"]["role"], users["second-admin@example.org"]["active"]) == (
        "auditor",
        False,
    )
    assert (users[ADMIN]["role"], users[ADMIN]["active"]) == ("admin", True)


@pytest.mark.parametrize("change", [{"role": "auditor"}, {"role": "privacy_officer"}, {"active": False}])
async def test_there_is_always_an_active_admin_even_when_a_token_makes_the_change(
    client: Client, sessions: Sessions, admin: dict[str, str], change: dict[str, object]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    # An admin who is deactivated does not count: they cannot sign in.
    await add_user(sessions, "former-admin@example.org", Role.ADMIN)
    former = await user_id(sessions, "former-admin@example.org")
    assert (
        await client.patch(f"/api/v1/admin/users/{former}", json={"active": False}, headers=admin)
    ).status_code == 200
    last = await user_id(sessions, ADMIN)

    refused = await client.patch(f"/api/v1/admin/users/{last}", json=change, headers=admin)
    users = await users_by_email(client, admin)
    assert (users[ADMIN]["role"], users[ADMIN]["active"]) == ("admin", True), "the last admin stays"
    assert refused.status_code == 409
    assert await login(client, ADMIN, PASSWORD) == 303
    assert (await client.get("/console/users")).status_code == 200


async def test_two_admins_deactivating_each_other_at_once_leave_one_active(
    settings: Settings, client: Client, sessions: Sessions, admin: dict[str, str]
) -> None:
    await add_user(sessions, ADMIN, Role.ADMIN)
    await add_user(sessions, "second-admin@example.org", Role.ADMIN)
    first, second = await user_id(sessions, ADMIN), await user_id(sessions, "second-admin@example.org")
    for _ in range(5):  # several rounds: the two changes really meet on the database
        with serving(create_app(settings)) as url:
            async with httpx.AsyncClient(base_url=url, headers=admin) as live:
                answers = await asyncio.gather(
                    *[live.patch(f"/api/v1/admin/users/{target}", json={"active": False}) for target in (first, second)]
                )
        assert sorted(answer.status_code for answer in answers) == [200, 409]
        users = await users_by_email(client, admin)
        assert [users[email]["active"] for email in (ADMIN, "second-admin@example.org")].count(True) == 1
        survivor = first if users[ADMIN]["active"] else second
        other = second if survivor == first else first
        assert (
            await client.patch(f"/api/v1/admin/users/{other}", json={"active": True}, headers=admin)
        ).status_code == 200
