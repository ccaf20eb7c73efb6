"""The import rules of docs/architecture.md, read from the source: the core imports no domain, and a
domain reaches another only through its service (and the schemas it answers with)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[1]
DOMAINS = ["consent", "dsar", "retention", "subprocessors", "breaches", "privacy.register", "privacy.notice"]
# The composition root lists the domains; Alembic's environment loads their tables.
COMPOSITION_ROOT = {"privacy.composition", "privacy.app", "privacy.cli", "privacy.__main__", "privacy.migrations.env"}
# What one domain may use of another.
PUBLIC_MODULES = {"service", "schemas"}


def modules() -> Iterator[tuple[str, Path]]:
    for package in ["privacy", "consent", "dsar", "retention", "subprocessors", "breaches"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "versions" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def imported(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def domain_of(module: str) -> str | None:
    return next((d for d in DOMAINS if module == d or module.startswith(f"{d}.")), None)


def test_the_core_imports_no_domain() -> None:
    found = [
        f"{name} imports {target}"
        for name, path in modules()
        if domain_of(name) is None and name not in COMPOSITION_ROOT
        for target in imported(path)
        if domain_of(target) is not None
    ]
    assert found == []


def test_a_domain_uses_another_only_through_its_service_and_schemas() -> None:
    found = []
    for name, path in modules():
        own = domain_of(name)
        for target in sorted(set(imported(path))):
            other = domain_of(target)
            if own is None or other in (None, own) or target == other:
                continue
            if target.removeprefix(f"{other}.").split(".")[0] not in PUBLIC_MODULES:
                found.append(f"{name} imports {target}")
    assert found == []


def test_nothing_imports_the_app_but_the_command_line() -> None:
    found = [
        f"{name} imports {target}"
        for name, path in modules()
        if name not in COMPOSITION_ROOT
        for target in imported(path)
        if target in {"privacy.app", "privacy.cli", "privacy.composition"}
    ]
    assert found == []
