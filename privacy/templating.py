"""One Jinja environment for console pages, public pages and PDF documents: the core's templates,
then each domain's (in a folder named after the domain inside its `templates`)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

CORE_TEMPLATES = Path(__file__).parent / "templates"


def jinja_environment(domain_templates: Iterable[Path] = ()) -> Environment:
    return _environment(tuple(domain_templates))


@cache
def _environment(domain_templates: tuple[Path, ...]) -> Environment:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(path)) for path in (CORE_TEMPLATES, *domain_templates)]),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["words"] = lambda value: str(value).replace("_", " ")
    return environment
