"""One Jinja environment for console pages, public pages and PDF documents: the core's templates,
then each domain's (in a folder named after the domain inside its `templates`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from privacy import i18n

CORE_TEMPLATES = Path(__file__).parent / "templates"
PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def path_words(path: str) -> str:
    """A field's path as a person reads it: `rules[0].period` is "rules, item 1, period"."""
    parts = [f"item {int(index) + 1}" if index else name.replace("_", " ") for index, name in PATH_PART.findall(path)]
    return ", ".join(parts)


def field_label(path: str, labels: dict[str, str]) -> str:
    """What a form's error names: the field's label where the page gives one, else its path in words."""
    head = path.split("[")[0].split(".")[0]
    if path in labels or head not in labels:
        return labels.get(path) or path_words(path).capitalize()
    return f"{labels[head]}, {path_words(path[len(head) :])}"


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
    environment.filters["field_label"] = field_label
    i18n.install(environment)
    return environment
