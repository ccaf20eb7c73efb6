"""The API reference at /schema, rendered on the server from the OpenAPI document.

The usual renderers (Swagger UI, Redoc, Scalar) load their code from a CDN; this page loads
nothing but the toolkit's own stylesheet."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from privacy.templating import jinja_environment

METHODS = ("get", "post", "put", "patch", "delete")


class ApiReferencePage(OpenAPIRenderPlugin):
    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        operations = [
            {
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "tags": operation.get("tags", []),
                "parameters": [_parameter(p) for p in operation.get("parameters", [])],
                "body": _schema_name(operation.get("requestBody", {})),
                "responses": {code: r.get("description", "") for code, r in operation.get("responses", {}).items()},
            }
            for path, item in sorted(openapi_schema.get("paths", {}).items())
            for method, operation in item.items()
            if method in METHODS
        ]
        page = (
            jinja_environment()
            .get_template("api_reference.html")
            .render(
                info=openapi_schema.get("info", {}),
                operations=operations,
                schemas=openapi_schema.get("components", {}).get("schemas", {}),
            )
        )
        return page.encode()


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": parameter.get("name"),
        "in": parameter.get("in"),
        "required": parameter.get("required", False),
        "type": parameter.get("schema", {}).get("type", ""),
    }


def _schema_name(body: dict[str, Any]) -> str:
    for media in body.get("content", {}).values():
        reference = str(media.get("schema", {}).get("$ref", ""))
        return reference.rsplit("/", 1)[-1]
    return ""
