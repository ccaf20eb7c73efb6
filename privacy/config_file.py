"""Configuration as code: one YAML file applied idempotently, and written back out. Each top-level
block belongs to a domain, which declares it (`privacy.domain.ConfigSection`): this module reads
the file, validates every block at once, and applies and exports them in the order declared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.domain import ConfigSection
from privacy.errors import FieldError, Invalid, PrivacyError, validation_errors
from privacy.schemas import Schema
from privacy.settings import Settings
from privacy.yaml_input import DEFAULT_MAX_BYTES, load_yaml

FILE_HAS_ERRORS = "the configuration file has errors; nothing was applied"
T = TypeVar("T")
# What opens another system is never written to an export (a URL may hold a password): the file
# names each system by its key, and says so.
SYSTEM_SECRETS = {"url": "URL", "secret": "shared secret"}
SECRETS_NOTE = """\
# Not in this file: the URL (with any password in it) and the shared secret of each entry of
# `systems`. They stay encrypted in the installation they were registered on; this file names each
# system by its key, as its connectors and retention rules do. Where a system is not registered
# yet, add `url:` (and `secret:` for an http system) to its entry before applying, or register it
# there first (an administrator's PUT /api/v1/admin/systems/KEY).
"""


@dataclass
class Change:
    """What applying one entry did: create, update, unchanged; or kept (the file's value left
    unapplied, `note` says why) or warning (applied, but a reviewer should look: `note`)."""

    path: str
    kind: str
    fields: list[str] = field(default_factory=list)
    note: str = ""

    def describe(self) -> str:
        if self.kind == "update":
            return f"~ {self.path}: {', '.join(self.fields)}" if self.fields else f"~ {self.path}"
        if self.kind in {"kept", "warning"}:
            return f"{'=' if self.kind == 'kept' else '!'} {self.path}: {self.note}"
        return f"{'+' if self.kind == 'create' else '='} {self.path}"


def change_of(path: str, *, existed: bool, changed: bool, fields: list[str] | None = None) -> Change:
    if not existed:
        return Change(path, "create")
    return Change(path, "update", fields or []) if changed else Change(path, "unchanged")


class Configuration:
    """The configuration file of the toolkit made of these blocks."""

    def __init__(self, sections: Sequence[ConfigSection]) -> None:
        self.sections = list(sections)
        blocks: dict[str, Any] = {section.key: (section.schema | None, None) for section in self.sections}
        self.schema: type[BaseModel] = create_model("ConfigFile", __base__=Schema, **blocks)

    def parse(self, text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
        """Parse and validate the whole file; every error names its path in the file. `max_bytes`
        is the `max_yaml_bytes` setting."""
        document = load_yaml(text, max_bytes=max_bytes)
        if not isinstance(document, dict):
            keys = ", ".join(section.key for section in self.sections)
            raise Invalid(f"the file must be a mapping with keys such as {keys}")
        try:
            config = self.schema.model_validate(document)
        except ValidationError as error:
            raise Invalid(FILE_HAS_ERRORS, errors=validation_errors(error)) from error
        errors = [error for section in self.sections for error in _duplicate_keys(section.key, config)]
        if errors:
            raise Invalid(FILE_HAS_ERRORS, errors=errors)
        return config

    async def apply(
        self, session: AsyncSession, *, config: Any, actor: Actor, settings: Settings, now: datetime
    ) -> list[Change]:
        """Create or update everything the file names, in the caller's transaction; every block is
        tried, so the file's problems are reported together (the caller then applies nothing)."""
        changes: list[Change] = []
        errors: list[FieldError] = []
        for section in self.sections:
            block = getattr(config, section.key)
            if block is None:
                continue
            try:
                changes += await section.apply(session, block, actor, settings, now)
            except PrivacyError as error:
                errors += errors_under(section.key, error)
        if errors:
            raise Invalid(FILE_HAS_ERRORS, errors=[_secret_explained(error, config) for error in errors])
        return changes

    async def export(self, session: AsyncSession) -> str:
        """Everything `apply` reads, as it stands, but the secrets of systems (`SECRETS_NOTE`)."""
        document: dict[str, Any] = {}
        for section in self.sections:
            block = await section.export(session)
            if block is not None:
                document[section.key] = block
        note = SECRETS_NOTE if document.get("systems") else ""
        return note + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _secret_explained(error: FieldError, config: Any) -> FieldError:
    """A system's URL or secret the file leaves out and this installation lacks, said in words: an
    export never holds them, so this is what applying one elsewhere meets first."""
    for index, system in enumerate(getattr(config, "systems", None) or []):
        for name, words in SYSTEM_SECRETS.items():
            # Left out of the file, the field can only be wrong by its absence here.
            if error.path == f"systems[{index}].{name}" and getattr(system, name) is None:
                return FieldError(
                    error.path,
                    f"'{system.key}' is not registered on this installation with its {words}, and the file has "
                    f"none (an exported file never holds URLs or secrets): add `{name}:` to this entry, or "
                    f"have an administrator register the system here first (PUT /api/v1/admin/systems/{system.key})",
                )
    return error


async def apply_each(block: str, entries: Sequence[T], apply_one: Callable[[T], Awaitable[Change]]) -> list[Change]:
    """Each entry of a list block in turn, every one tried: the problems of all of them reported
    together, each under the entry's place in the file (`subprocessors[2].activities[0]`)."""
    changes: list[Change] = []
    errors: list[FieldError] = []
    for index, entry in enumerate(entries):
        try:
            changes.append(await apply_one(entry))
        except PrivacyError as error:
            errors += errors_under(f"{block}[{index}]", error)
    if errors:
        raise Invalid(FILE_HAS_ERRORS, errors=errors)
    return changes


def errors_under(path: str, error: PrivacyError) -> list[FieldError]:
    """An error's problems with their paths made whole (those `apply_each` placed stay as they
    are); one without a path is the entry's own."""
    found = error.errors or [FieldError("", error.detail)]
    return [FieldError(_joined(path, item.path), item.message) for item in found]


def _joined(path: str, inner: str) -> str:
    if not inner or inner == "(file)":
        return path
    if inner.startswith(path):
        return inner
    return f"{path}{inner}" if inner.startswith("[") else f"{path}.{inner}"


def _duplicate_keys(name: str, config: Any) -> list[FieldError]:
    """Two entries of a block under one key: the second would silently replace the first."""
    block = getattr(config, name)
    if not isinstance(block, list):
        return []
    seen: set[object] = set()
    errors = []
    for index, entry in enumerate(block):
        key = getattr(entry, "key", None)
        if key in seen:
            errors.append(FieldError(f"{name}[{index}].key", f"duplicate key '{key}'"))
        seen.add(key)
    return errors
