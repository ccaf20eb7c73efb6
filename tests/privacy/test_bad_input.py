"""Bad input gets a clear 4xx: JSON nested too deep, a body that is not sent as JSON, and values of
the wrong kind (`0` is not `false`, a number is not a time, a time carries its zone)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pydantic import BaseModel, ValidationError

from consent.schemas import ConsentSetup, Lifetimes, RecordIn, Regimes
from dsar.schemas import KeptIn, StaffRequestIn
from privacy.actors import Role
from privacy.errors import PrivacyError
from privacy.json_input import MAX_DEPTH, UnsupportedMediaType, json_from_body, parse_json
from privacy.register.schemas import AutomatedDecisions
from privacy.schemas import UserUpdate
from privacy.settings import Settings
from privacy.signing import signed_headers
from retention.schemas import HoldIn
from subprocessors.schemas import AnnouncementIn, SubProcessorIn
from tests.conftest import app_with_demo, bearer, client_of, register_system

Client = AsyncTestClient[Litestar]
CHOICE = {"site": "www", "policy_version": "2026-11", "action": "custom", "choices": {"analytics": True}}
LETTER = {
    "type": "access",
    "email": "ada@example.org",
    "received_at": "2026-01-05T10:00:00+01:00",
    "channel": "letter",
    "verification": "signed letter compared with the contract",
}
SUBPROCESSOR = {
    "key": "mailer",
    "name": "Mailer GmbH",
    "service": "Email delivery",
    "purpose": "Sends notifications",
    "data_categories": ["contact"],
    "processing_locations": ["DE"],
    "corporate_location": "DE",
    "transfer_mechanism": "not_needed",
}
# Every endpoint that takes JSON, with who may call it (None: the public).
JSON_ENDPOINTS = [
    ("POST", "/api/v1/consent/records", None),
    ("POST", "/api/v1/consent/identity", None),
    ("POST", "/api/v1/requests", None),
    ("POST", "/api/v1/requests/application", None),
    ("POST", "/api/v1/requests/R-AAAA-BBBB/verify", None),
    ("POST", "/api/v1/subprocessors/subscriptions", None),
    ("POST", "/api/v1/subprocessors/subscriptions/confirm", None),
    ("POST", "/api/v1/subprocessors/mailer/objections", None),
    ("PUT", "/api/v1/admin/consent/setup", Role.ADMIN),
    ("PUT", "/api/v1/admin/organisation", Role.ADMIN),
    ("POST", "/api/v1/admin/activities", Role.ADMIN),
    ("POST", "/api/v1/admin/requests", Role.ADMIN),
    ("POST", "/api/v1/admin/users", Role.ADMIN),
    ("POST", "/api/v1/admin/retention/holds", Role.ADMIN),
    ("PUT", "/api/v1/admin/subprocessors/mailer", Role.ADMIN),
]


def nested(levels: int) -> bytes:
    return b'{"site": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    # Rate limits raised: this file is about what a request carries, not how many there are.
    raised = {name: 10_000 for name in Settings.model_fields if name.endswith("_per_minute")}
    async with client_of(await app_with_demo(settings.model_copy(update=raised))) as test_client:
        yield test_client


def headers_for(role: Role | None, tokens: dict[Role, str], content_type: str | None) -> dict[str, str]:
    headers = bearer(tokens[role]) if role else {}
    if content_type is not None:
        headers["content-type"] = content_type
    return headers


@pytest.mark.parametrize(("method", "path", "role"), JSON_ENDPOINTS)
async def test_json_nested_too_deep_is_a_400(
    client: Client, tokens: dict[Role, str], method: str, path: str, role: Role | None
) -> None:
    for levels in (MAX_DEPTH + 1, 1000, 100_000):
        answer = await client.request(
            method, path, content=nested(levels), headers=headers_for(role, tokens, "application/json")
        )
        assert answer.status_code == 400, (levels, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert f"nested deeper than {MAX_DEPTH} levels" in answer.json()["detail"]


@pytest.mark.parametrize(("method", "path", "role"), JSON_ENDPOINTS)
async def test_json_endpoints_take_only_json(
    client: Client, tokens: dict[Role, str], method: str, path: str, role: Role | None
) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonp", None):
        answer = await client.request(method, path, content=b"{}", headers=headers_for(role, tokens, content_type))
        assert answer.status_code == 415, (content_type, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"])
async def test_json_is_taken_with_or_without_a_charset(client: Client, content_type: str) -> None:
    answer = await client.post(
        "/api/v1/requests",
        content=b'{"type": "access", "email": "ada@example.org"}',
        headers={"content-type": content_type},
    )
    assert answer.status_code == 202, answer.text


def test_the_depth_limit_counts_levels_not_brackets() -> None:
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert parse_json(b'{"a": "' + b"[" * 5000 + b'"}') == {"a": "[" * 5000}, "brackets inside strings are text"
    assert parse_json(b"[" + b"[]," * 5000 + b"[]]") is not None, "many siblings are not depth"
    with pytest.raises(Exception, match="nested deeper"):
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(Exception, match="not valid JSON"):
        parse_json(b"{")


async def test_a_visitor_choice_is_true_or_false_not_a_number(client: Client) -> None:
    for value in (0, 1, "true", "false", None):
        answer = await client.post("/api/v1/consent/records", json={**CHOICE, "choices": {"analytics": value}})
        assert answer.status_code in (400, 422), (value, answer.text)
    assert (await client.post("/api/v1/consent/records", json=CHOICE)).status_code == 201


@pytest.mark.parametrize(
    "received_at",
    [0, 1767607200, "0", "1767607200", "2026-01-05T10:00:00", "2026-01-05", "05/01/2026 10:00", True, None],
)
async def test_a_request_is_received_at_a_time_with_its_zone(
    client: Client, tokens: dict[Role, str], received_at: Any
) -> None:
    answer = await client.post(
        "/api/v1/admin/requests", json={**LETTER, "received_at": received_at}, headers=bearer(tokens[Role.ADMIN])
    )
    assert answer.status_code in (400, 422), answer.text


async def test_a_request_received_with_a_zone_is_recorded_at_that_instant(
    client: Client, tokens: dict[Role, str]
) -> None:
    answer = await client.post("/api/v1/admin/requests", json=LETTER, headers=bearer(tokens[Role.ADMIN]))
    assert answer.status_code == 201, answer.text
    assert datetime.fromisoformat(answer.json()["received_at"]) == datetime(2026, 1, 5, 9, tzinfo=UTC)


async def test_staff_flags_and_days_are_strict_over_http(client: Client, tokens: dict[Role, str]) -> None:
    admin = bearer(tokens[Role.ADMIN])
    users = (await client.get("/api/v1/admin/users", headers=admin)).json()
    if users:
        deactivate = await client.patch(f"/api/v1/admin/users/{users[0]['id']}", json={"active": 0}, headers=admin)
        assert deactivate.status_code in (400, 422), deactivate.text
    for field, value in (("customer_selectable", 1), ("customer_selectable", "yes"), ("active_since", 0)):
        answer = await client.put(
            "/api/v1/admin/subprocessors/mailer", json={**SUBPROCESSOR, field: value}, headers=admin
        )
        assert answer.status_code in (400, 422), (field, value, answer.text)
    saved = await client.put(
        "/api/v1/admin/subprocessors/mailer", json={**SUBPROCESSOR, "active_since": "2026-01-05"}, headers=admin
    )
    assert saved.status_code == 200, saved.text
    hold = await client.post(
        "/api/v1/admin/retention/holds",
        json={"subject": "ada@example.org", "reason": "litigation", "until": 0},
        headers=admin,
    )
    assert hold.status_code in (400, 422), hold.text


def setup_with(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "policy_version": "1",
        "sites": [{"key": "www"}],
        "categories": [{"key": "necessary", "labels": {"en": "Necessary"}}],
        "texts": {
            "en": {
                "title": "t", "body": "b", "accept_all": "a", "reject_all": "r", "customise": "c", "save": "s",
            }
        },
    }  # fmt: skip
    return {**base, **changes}


@pytest.mark.parametrize(
    ("schema", "document"),
    [
        (RecordIn, {**CHOICE, "choices": {"analytics": 0}}),
        (Regimes, {"gpc_hides_banner": 0}),
        (Regimes, {"gpc_hides_banner": "yes"}),
        (Lifetimes, {"acceptance_months": "12"}),
        (Lifetimes, {"acceptance_months": True}),
        (Lifetimes, {"refusal_months": 6.0}),
        (ConsentSetup, setup_with(services=[{"key": "x", "category": "necessary", "vendor": "v", "purpose": "p",
                                             "cookies": [{"name": "c", "duration": "1y", "pattern": 1}]}])),
        (AutomatedDecisions, {"used": 1}),
        (UserUpdate, {"active": 0}),
        (StaffRequestIn, {**LETTER, "received_at": 0}),
        (StaffRequestIn, {**LETTER, "received_at": "2026-01-05T10:00:00"}),
        (StaffRequestIn, {**LETTER, "received_at": "1767607200"}),
        (KeptIn, {"what": "invoices", "why": "tax law", "until": 0}),
        (KeptIn, {"what": "invoices", "why": "tax law", "until": "1767607200"}),
        (KeptIn, {"what": "invoices", "why": "tax law", "until": "2036-12-31T00:00:00"}),
        (HoldIn, {"subject": "ada@example.org", "reason": "litigation", "until": 20361231}),
        (SubProcessorIn, {**SUBPROCESSOR, "customer_selectable": 0}),
        (SubProcessorIn, {**SUBPROCESSOR, "active_since": 0}),
        (AnnouncementIn, {"effective_on": 0}),
        (AnnouncementIn, {"effective_on": "0"}),
    ],
)  # fmt: skip
def test_inputs_refuse_numbers_for_flags_times_and_days(schema: type[BaseModel], document: dict[str, Any]) -> None:
    # As Litestar hands a decoded JSON body to pydantic: Python objects, validated in Python mode.
    with pytest.raises(ValidationError):
        schema.model_validate(document)


def test_inputs_take_what_json_and_yaml_carry() -> None:
    assert KeptIn.model_validate({"what": "w", "why": "y", "until": "2036-12-31"}).until == date(2036, 12, 31)
    assert KeptIn.model_validate({"what": "w", "why": "y", "until": date(2036, 12, 31)}).until == date(2036, 12, 31)
    assert Regimes.model_validate({"gpc_hides_banner": False}).gpc_hides_banner is False
    assert Lifetimes.model_validate({"acceptance_months": 6}).acceptance_months == 6
    received = StaffRequestIn.model_validate({**LETTER, "received_at": "2026-01-05T10:00:00Z"}).received_at
    assert received.utcoffset() is not None


def test_a_raw_body_read_for_its_signature_is_checked_the_same_way() -> None:
    # The connector callback reads its body raw (to check the signature) and then parses it here.
    assert json_from_body("application/json", b'{"request": 7}') == {"request": 7}
    with pytest.raises(UnsupportedMediaType):
        json_from_body("text/plain", b'{"request": 7}')
    with pytest.raises(PrivacyError, match="nested deeper") as refused:
        json_from_body("application/json", nested(1000))
    assert refused.value.status_code == 400


async def test_a_connector_callback_is_refused_when_not_json_or_too_deep(
    client: Client, tokens: dict[Role, str]
) -> None:
    admin = bearer(tokens[Role.ADMIN])
    secret = "s" * 40
    await register_system(client, admin, "helpdesk", "http", "http://127.0.0.1:9/privacy", secret)
    connector = {"key": "helpdesk", "name": "Helpdesk", "kind": "http", "system": "helpdesk"}
    assert (await client.put("/api/v1/admin/connectors/helpdesk", json=connector, headers=admin)).status_code == 200
    url = "/api/v1/connectors/helpdesk/callback"
    deep = b'{"request": 1, "erased": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    too_deep = await client.post(url, content=deep, headers=signed_headers(secret, deep, datetime.now(UTC)))
    assert too_deep.status_code == 400 and "nested deeper" in too_deep.json()["detail"]
    body = b'{"request": 1, "erased": [], "kept": []}'
    as_text = {**signed_headers(secret, body, datetime.now(UTC)), "content-type": "text/plain"}
    assert (await client.post(url, content=body, headers=as_text)).status_code == 415
    forged = await client.post(url, content=deep, headers=signed_headers("x" * 40, deep, datetime.now(UTC)))
    assert forged.status_code == 401, "the signature is checked before the body is read"
