"""One Jinja environment for console pages, public pages and PDF documents."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

# The core's templates, then each domain's (under a folder named after the domain).
TEMPLATE_DIRS = [Path(__file__).parent / "templates"] + [
    Path(__file__).parents[1] / domain / "templates" for domain in ("consent", "dsar", "retention", "subprocessors")
]


def jinja_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(path)) for path in TEMPLATE_DIRS]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["words"] = lambda value: str(value).replace("_", " ")
    return environment
