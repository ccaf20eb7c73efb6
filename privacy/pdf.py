"""PDF documents rendered by WeasyPrint from the same templates as the pages."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment


def _local_only(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    # A generated document never reaches out to the network (fonts, images, stylesheets);
    # WeasyPrint leaves out a resource whose fetch fails.
    raise ValueError(f"documents load no external resources ({url.split(':', 1)[0]} URL refused)")


def render_pdf(environment: Environment, template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported here: it needs Pango, which only PDF rendering requires

    html = environment.get_template(template).render(**context)
    document: bytes = HTML(string=html, url_fetcher=_local_only).write_pdf()
    return document
