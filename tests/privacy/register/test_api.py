"""The register through the admin API: what a privacy team and an auditor see."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import ORGANISATION, activity

Client = AsyncTestClient[Litestar]


async def test_activity_lifecycle_keeps_every_version(
    client: Client, officer: dict[str, str], admin: dict[str, str]
) -> None:
    assert (await client.put("/api/v1/admin/organisation", json=ORGANISATION, headers=admin)).status_code == 200
    created = await client.post("/api/v1/admin/activities", json=activity("billing"), headers=officer)
    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert created.json()["gaps"] == []

    changed = activity("billing", purpose="Invoice customers")
    updated = await client.put("/api/v1/admin/activities/billing", json=changed, headers=officer)
    assert updated.json()["version"] == 2

    unchanged = await client.put("/api/v1/admin/activities/billing", json=changed, headers=officer)
    assert unchanged.json()["version"] == 2, "saving the same content makes no new version"

    assert (await client.delete("/api/v1/admin/activities/billing", headers=officer)).status_code == 204
    assert (await client.get("/api/v1/admin/activities/billing", headers=officer)).status_code == 404
    versions = (await client.get("/api/v1/admin/activities/billing/versions", headers=officer)).json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["content"]["purpose"] == "Invoice customers and keep accounting records"
    assert versions[1]["content"]["purpose"] == "Invoice customers"
    assert versions[2]["content"] is None


async def test_gaps_are_returned_with_each_activity(client: Client, officer: dict[str, str]) -> None:
    gappy = activity(
        "newsletter", lawful_basis="consent", transfers=[{"country": "IN"}], special_categories=[{"category": "health"}]
    )
    response = await client.post("/api/v1/admin/activities", json=gappy, headers=officer)
    fields = {gap["field"] for gap in response.json()["gaps"]}
    assert {"lawful_bases[0].consent_purpose", "transfers[0].safeguard", "special_categories[0].condition"} <= fields

    listed = (await client.get("/api/v1/admin/activities", headers=officer)).json()
    assert listed[0]["gaps"] == response.json()["gaps"]


async def test_bad_activity_gets_problem_details_naming_fields(client: Client, officer: dict[str, str]) -> None:
    bad = activity("bad key!", lawful_basis="because", unexpected="field")
    response = await client.post("/api/v1/admin/activities", json=bad, headers=officer)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == response.status_code
    problems = {error["path"]: error["message"] for error in body["errors"]}
    assert problems["key"]
    assert problems["unexpected"]
    assert "legitimate_interests" in problems["lawful_bases.0.basis"], "a single lawful_basis is read as a list of one"
    assert (await client.get("/api/v1/admin/activities", headers=officer)).json() == []


async def test_duplicate_key_is_a_conflict(client: Client, officer: dict[str, str]) -> None:
    await client.post("/api/v1/admin/activities", json=activity("billing"), headers=officer)
    again = await client.post("/api/v1/admin/activities", json=activity("billing"), headers=officer)
    assert again.status_code == 409
    assert "billing" in again.json()["detail"]


async def test_key_cannot_change_on_update(client: Client, officer: dict[str, str]) -> None:
    await client.post("/api/v1/admin/activities", json=activity("billing"), headers=officer)
    response = await client.put("/api/v1/admin/activities/billing", json=activity("other"), headers=officer)
    assert response.status_code == 409


async def test_oversized_body_is_refused(client: Client, officer: dict[str, str]) -> None:
    huge: dict[str, Any] = activity("big", description="x" * 2_000_000)
    response = await client.post("/api/v1/admin/activities", json=huge, headers=officer)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_organisation_profile_round_trip(client: Client, admin: dict[str, str]) -> None:
    assert (await client.get("/api/v1/admin/organisation", headers=admin)).status_code == 404
    await client.put("/api/v1/admin/organisation", json=ORGANISATION, headers=admin)
    profile = (await client.get("/api/v1/admin/organisation", headers=admin)).json()
    assert profile["legal_name"] == ORGANISATION["legal_name"]
    assert profile["country"] == "BE"


async def test_custom_data_categories_extend_the_taxonomy(client: Client, admin: dict[str, str]) -> None:
    await client.post(
        "/api/v1/admin/activities", json=activity("dns", personal_data_categories=["zone_files"]), headers=admin
    )
    before = (await client.get("/api/v1/admin/activities/dns", headers=admin)).json()["gaps"]
    assert [gap["field"] for gap in before] == ["personal_data_categories[0]"]

    await client.put(
        "/api/v1/admin/organisation", json={**ORGANISATION, "custom_data_categories": ["zone_files"]}, headers=admin
    )
    after = (await client.get("/api/v1/admin/activities/dns", headers=admin)).json()["gaps"]
    assert after == []
    categories = (await client.get("/api/v1/admin/organisation/data-categories", headers=admin)).json()
    assert {"key": "zone_files", "label": "Zone files", "custom": True, "description": ""} in categories

    labelled = {"key": "zone_files", "labels": {"en": "DNS zone files", "fr": "Fichiers de zone DNS"}}
    labelled |= {"description": "The DNS records customers keep with us"}
    saved = {**ORGANISATION, "custom_data_categories": [labelled]}
    assert (await client.put("/api/v1/admin/organisation", json=saved, headers=admin)).status_code == 200
    categories = (await client.get("/api/v1/admin/organisation/data-categories", headers=admin)).json()
    assert {"key": "zone_files", "label": "DNS zone files", "custom": True, "description": labelled["description"]} in (
        categories
    )
    record = (await client.get("/api/v1/admin/exports/ropa.json", headers=admin)).json()
    [dns] = record["controller_activities"]
    assert "DNS zone files" in dns["personal_data_categories"]

    starter = {**ORGANISATION, "custom_data_categories": ["billing"]}
    refused = await client.put("/api/v1/admin/organisation", json=starter, headers=admin)
    assert refused.status_code == 422
    assert "starter taxonomy" in refused.json()["errors"][0]["message"]


async def test_a_removed_activitys_key_can_be_used_again_and_continues_its_history(
    client: Client, officer: dict[str, str], auditor: dict[str, str]
) -> None:
    assert (await client.post("/api/v1/admin/activities", json=activity("support"), headers=officer)).status_code == 201
    assert (await client.delete("/api/v1/admin/activities/support", headers=officer)).status_code == 204
    again = await client.post(
        "/api/v1/admin/activities", json=activity("support", name="Support desk"), headers=officer
    )
    assert again.status_code == 201, again.text
    assert again.json()["version"] == 3
    versions = (await client.get("/api/v1/admin/activities/support/versions", headers=auditor)).json()
    assert [(v["version"], v["content"] and v["content"]["name"]) for v in versions] == [
        (1, "Activity support"),
        (2, None),
        (3, "Support desk"),
    ]
