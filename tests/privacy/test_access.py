"""Walks every route the app registers and proves who may reach it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from privacy.actors import Permission, Role
from tests.conftest import bearer

Client = AsyncTestClient[Litestar]
STAFF_PREFIXES = ("/api/v1/admin", "/console")
ANONYMOUS_ROUTES = {"/console/login"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Who may do what, written out so a reader checks it against the documentation, not against the code
# it tests: docs/api.md's "Roles" table, plus working requests (admins and officers) and other
# systems' URLs and secrets (admins alone, issue 10), which that table does not list yet.
ALLOWED = {
    "admin": {
        "read", "export", "edit_register", "edit_organisation", "view_staff", "manage_staff", "work_requests",
        "manage_systems",
    },
    "privacy_officer": {"read", "export", "edit_register", "work_requests"},
    "auditor": {"read", "export", "view_staff"},
}  # fmt: skip


def staff_operations(app: Litestar) -> list[tuple[str, str, Any]]:
    operations = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(STAFF_PREFIXES):
            continue
        if route.path in ANONYMOUS_ROUTES:
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"HEAD", "OPTIONS"}):
                operations.append((method, route.path, handler))
    return operations


def concrete(path: str) -> str:
    path = re.sub(r"\{\w+:uuid\}", str(uuid.uuid4()), path)
    path = re.sub(r"\{\w+:int\}", "1", path)
    return re.sub(r"\{\w+:str\}", "no-such-activity", path)


async def csrf_token(client: Client) -> str:
    page = await client.get("/console/login")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


async def call(client: Client, method: str, path: str, headers: dict[str, str]) -> int:
    response = await client.request(method, concrete(path), headers=headers, json={} if method in UNSAFE else None)
    return response.status_code


def test_the_role_table_names_every_role_and_permission() -> None:
    assert set(ALLOWED) == {role.value for role in Role}
    assert set.union(*ALLOWED.values()) == {permission.value for permission in Permission}, (
        "a new permission needs its row in ALLOWED (and in docs/api.md)"
    )


def test_every_staff_route_declares_a_permission(app: Litestar) -> None:
    operations = staff_operations(app)
    assert len(operations) > 20
    undeclared = [(m, p) for m, p, handler in operations if not isinstance(handler.opt.get("permission"), Permission)]
    assert undeclared == []


async def test_anonymous_callers_get_401_everywhere(app: Litestar, client: Client) -> None:
    headers = {"x-csrftoken": await csrf_token(client)}
    refused = {(m, p): await call(client, m, p, headers) for m, p, _ in staff_operations(app)}
    assert {key: status for key, status in refused.items() if status != 401} == {}


async def test_roles_without_the_permission_get_403(app: Litestar, client: Client, tokens: dict[Role, str]) -> None:
    headers_csrf = {"x-csrftoken": await csrf_token(client)}
    wrong = {}
    for method, path, handler in staff_operations(app):
        permission = handler.opt["permission"]
        for role in Role:
            status = await call(client, method, path, {**headers_csrf, **bearer(tokens[role])})
            allowed = permission.value in ALLOWED[role.value]
            # Allowed callers get an answer about the (made-up) object, never a refusal or a crash.
            if (allowed and (status in (401, 403) or status >= 500)) or (not allowed and status != 403):
                wrong[(role.value, method, path)] = status
    assert wrong == {}


async def test_auditor_reads_and_exports_but_every_write_is_refused(
    app: Litestar, client: Client, tokens: dict[Role, str]
) -> None:
    headers = {"x-csrftoken": await csrf_token(client), **bearer(tokens[Role.AUDITOR])}
    writes = [(m, p) for m, p, _ in staff_operations(app) if m in UNSAFE and p != "/console/logout"]
    # The GET of a form that only submits a change (new, edit) belongs to the write it serves; another
    # system's URL is for administrators alone.
    reads = [
        (m, p)
        for m, p, handler in staff_operations(app)
        if m == "GET" and not p.endswith(("/new", "/edit")) and handler.opt["permission"] != Permission.MANAGE_SYSTEMS
    ]
    assert writes and reads
    assert {(m, p): s for m, p in writes if (s := await call(client, m, p, headers)) != 403} == {}
    assert {(m, p): s for m, p in reads if (s := await call(client, m, p, headers)) in (401, 403)} == {}


async def test_revoked_or_unknown_token_is_refused(client: Client, tokens: dict[Role, str]) -> None:
    good = await client.get("/api/v1/admin/activities", headers=bearer(tokens[Role.ADMIN]))
    assert good.status_code == 200
    forged = await client.get("/api/v1/admin/activities", headers=bearer("pt_" + "A" * 43))
    assert forged.status_code == 401
    assert forged.json()["title"] == "Authentication required"
    listed = (await client.get("/api/v1/admin/tokens", headers=bearer(tokens[Role.ADMIN]))).json()
    auditor_id = next(t["id"] for t in listed if t["role"] == "auditor")
    revoked = await client.delete(f"/api/v1/admin/tokens/{auditor_id}", headers=bearer(tokens[Role.ADMIN]))
    assert revoked.status_code == 204
    after = await client.get("/api/v1/admin/activities", headers=bearer(tokens[Role.AUDITOR]))
    assert after.status_code == 401


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/metrics", "/schema/openapi.json", "/schema"])
async def test_public_service_routes_need_no_login(client: Client, path: str) -> None:
    assert (await client.get(path)).status_code == 200
