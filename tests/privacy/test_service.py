"""The service itself: health, metrics, security headers, the API reference, problem details."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from privacy.app import create_app
from privacy.settings import Settings

Client = AsyncTestClient[Litestar]


async def test_health_checks_the_database(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    assert (await client.get("/health/ready")).json() == {"status": "ok"}


async def test_metrics_are_prometheus_text(client: Client) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    assert "privacy_requests_total" in response.text


async def test_security_headers_on_every_answer(client: Client) -> None:
    for path in ("/health/live", "/console/login", "/api/v1/admin/activities", "/schema"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "http" not in headers["content-security-policy"], "no third-party origin is allowed"
        assert "strict-transport-security" not in headers, "HSTS only when served over https"


async def test_api_reference_loads_nothing_from_third_parties(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "/api/v1/admin/activities" in page.text
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page.text)
    assert external == []
    spec = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/admin/exports/ropa.pdf" in spec["paths"]


async def test_unknown_route_is_a_problem_document(client: Client) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["instance"] == "/no/such/page"


async def test_malformed_json_is_a_400_problem(client: Client, admin: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/admin/activities", content=b"{not json", headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_https_deployment_gets_hsts_and_secure_cookies(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://privacy.example.org"}))
    async with AsyncTestClient(app=app) as https_client:
        response = await https_client.get("/console/login")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        csrf_cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("privacy_csrf="))
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
    await app.state.db_config.get_engine().dispose()
