"""The audit trail: every change recorded, personal data sealed, tampering found and named."""

from __future__ import annotations

import asyncio
import subprocess

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from privacy import audit, auth
from privacy.actors import Role
from privacy.models import AuditEntry
from privacy.settings import Settings
from tests.conftest import SYSTEM, activity, environment_for, privacy_command
from tests.mail_fixtures import free_port

Sessions = async_sessionmaker[AsyncSession]


async def make_trail(sessions: Sessions, count: int = 4) -> None:
    async with sessions() as session, session.begin():
        for index in range(count):
            await auth.create_user(
                session, email=f"person{index}@example.org", password="a long password", role=Role.AUDITOR, actor=SYSTEM
            )


async def report(sessions: Sessions) -> audit.ChainReport:
    async with sessions() as session:
        return await audit.verify_chain(session)


async def test_every_api_change_is_in_the_trail_with_who_before_and_after(
    client: AsyncTestClient[Litestar], admin: dict[str, str]
) -> None:
    await client.post("/api/v1/admin/activities", json=activity("billing"), headers=admin)
    await client.put(
        "/api/v1/admin/activities/billing", json=activity("billing", retention="Five years"), headers=admin
    )
    entries = (await client.get("/api/v1/admin/audit", headers=admin)).json()
    updated = entries[0]
    assert updated["action"] == "activity.updated"
    assert updated["actor"].startswith("token:")
    assert updated["before"]["retention"] == "Ten years"
    assert updated["after"]["retention"] == "Five years"
    assert (await client.get("/api/v1/admin/audit/verify", headers=admin)).json()["intact"] is True


async def test_personal_data_in_the_trail_is_not_stored_in_clear(sessions: Sessions) -> None:
    await make_trail(sessions, 1)
    async with sessions() as session:
        entry = (await session.scalars(select(AuditEntry))).one()
        assert "person0@example.org" not in (entry.after_encrypted or "")
        assert audit.open_payload(session, entry, "after") == {
            "email": "person0@example.org",
            "role": "auditor",
            "active": True,
        }


async def test_intact_chain_verifies(sessions: Sessions) -> None:
    await make_trail(sessions)
    result = await report(sessions)
    assert result.intact and result.checked == 4 and result.head_seq == 4


async def test_edited_entry_is_named(sessions: Sessions) -> None:
    await make_trail(sessions)
    async with sessions() as session, session.begin():
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(action="user.deleted"))
    result = await report(sessions)
    assert result.first_bad_seq == 2 and "edited" in (result.problem or "")


async def test_altered_payload_is_named(sessions: Sessions) -> None:
    await make_trail(sessions)
    async with sessions() as session, session.begin():
        third = await session.get(AuditEntry, 3)
        second = await session.get(AuditEntry, 2)
        assert third and second
        third.after_encrypted = second.after_encrypted  # a valid ciphertext, but of another entry
    result = await report(sessions)
    assert result.first_bad_seq == 3 and "payload" in (result.problem or "")


async def test_removed_entry_is_named(sessions: Sessions) -> None:
    await make_trail(sessions)
    async with sessions() as session, session.begin():
        entry = await session.get(AuditEntry, 2)
        await session.delete(entry)
    result = await report(sessions)
    assert result.first_bad_seq == 3 and "entry 2 is missing" in (result.problem or "")


async def test_reordered_entries_are_named(sessions: Sessions) -> None:
    await make_trail(sessions)
    async with sessions() as session, session.begin():
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=100))
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=2))
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 100).values(seq=3))
    result = await report(sessions)
    assert result.first_bad_seq == 2
    assert "removed or reordered" in (result.problem or "")


async def test_cli_verify_exits_non_zero_naming_the_entry(sessions: Sessions, settings: Settings) -> None:
    await make_trail(sessions)
    good = subprocess.run(
        privacy_command("audit", "verify"), env=environment_for(settings), capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stderr
    assert "intact: 4 entries" in good.stdout
    async with sessions() as session, session.begin():
        await session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="user:someone-else"))
    bad = subprocess.run(
        privacy_command("audit", "verify"), env=environment_for(settings), capture_output=True, text=True, check=False
    )
    assert bad.returncode == 1
    assert "entry 3" in bad.stderr


async def test_concurrent_changes_keep_one_unbroken_chain(app: Litestar, admin: dict[str, str]) -> None:
    # The app runs on this test's own event loop, so the requests really overlap (the test client
    # would serve them one by one on its own thread).
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as direct:
        responses = await asyncio.gather(
            *(direct.post("/api/v1/admin/activities", json=activity(f"a{index}"), headers=admin) for index in range(24))
        )
        report = (await direct.get("/api/v1/admin/audit/verify", headers=admin)).json()
    assert [r.status_code for r in responses] == [201] * 24
    assert report["intact"] is True
    assert report["checked"] == 24 + 3  # the activities, after the three tokens of the fixture
    await app.state.db_config.get_engine().dispose()


async def test_entries_removed_from_the_end_are_noticed(sessions: Sessions) -> None:
    await make_trail(sessions)
    async with sessions() as session, session.begin():
        await session.execute(delete(AuditEntry).where(AuditEntry.seq >= 3))
    result = await report(sessions)
    assert (result.intact, result.checked, result.first_bad_seq) == (False, 2, 3)
    assert "entries up to 4 existed" in (result.problem or "")
    async with sessions() as session, session.begin():
        await session.execute(delete(AuditEntry))
    emptied = await report(sessions)
    assert not emptied.intact and emptied.checked == 0, "an emptied trail is not 'intact: 0 entries'"


async def users_to_change(sessions: Sessions, count: int) -> list[str]:
    await make_trail(sessions, count)
    async with sessions() as session:
        return [str(user.id) for user in await auth.list_users(session)]


def patches(user_ids: list[str], times: int) -> list[tuple[str, dict[str, str]]]:
    """Changes that write nothing before their audit entry (a role set to what it is)."""
    return [(f"/api/v1/admin/users/{user_ids[i % len(user_ids)]}", {"role": "auditor"}) for i in range(times)]


async def test_simultaneous_audited_changes_all_succeed(
    app: Litestar, admin: dict[str, str], sessions: Sessions
) -> None:
    user_ids = await users_to_change(sessions, 8)
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as direct:
        answers = await asyncio.gather(*(direct.patch(p, json=b, headers=admin) for p, b in patches(user_ids, 40)))
    assert [answer.status_code for answer in answers] == [200] * 40
    assert (await report(sessions)).intact
    await app.state.db_config.get_engine().dispose()


async def test_simultaneous_audited_changes_on_several_workers_with_background_work(
    settings: Settings, admin: dict[str, str], sessions: Sessions
) -> None:
    user_ids = await users_to_change(sessions, 8)
    port = free_port()
    env = {**environment_for(settings), "PRIVACY_BACKGROUND_INTERVAL_SECONDS": "0.05"}
    server = subprocess.Popen(
        privacy_command("serve", "--port", str(port), "--workers", "2"), env=env, stderr=subprocess.PIPE
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_until_ready(url, server)
        async with httpx.AsyncClient(base_url=url, timeout=60) as live:
            answers = await asyncio.gather(*(live.patch(p, json=b, headers=admin) for p, b in patches(user_ids, 40)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert [answer.status_code for answer in answers] == [200] * 40
    checked = await report(sessions)
    assert checked.intact and checked.checked >= 8 + 3 + 40


async def wait_until_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as probe:
        for _ in range(300):
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if (await probe.get(f"{url}/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the service did not start")
