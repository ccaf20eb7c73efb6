"""What a domain brings to the toolkit, declared in one place (`<domain>/domain.py`).

The composition root (`privacy.app`, `privacy.cli`) lists the domains; the core iterates over their
declarations: it mounts their routes, runs their jobs, applies and exports their blocks of the
configuration file, writes their parts of the auditor's bundle and starts their components. Adding
a domain touches no core file. What the core finds in the models' metadata instead is declared on
the models: encrypted columns (`privacy.db.encrypted`) and the toolkit's own tables retention may
sweep (`privacy.db.sweepable`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncSession

from privacy.actors import Actor
from privacy.db import SessionFactory
from privacy.settings import Settings

if TYPE_CHECKING:
    from privacy.bundle import Archive
    from privacy.config_file import Change

# Background work: one pass over the domain's durable state, in the session given (committed after).
Job = Callable[[AsyncSession, datetime, Settings], Awaitable[object]]


@dataclass(frozen=True)
class ConfigSection:
    """A top-level block of the configuration file (`privacy apply`, `privacy export-config`).
    `schema` is the block's type (a pydantic model, or a list of them) validated with the whole
    file; `apply` creates or updates what the block says, in the caller's transaction, and answers
    the changes; `export` answers the block as it stands (JSON-ready), or None to leave it out."""

    key: str
    schema: Any
    apply: Callable[[AsyncSession, Any, Actor, Settings, datetime], Awaitable[list[Change]]]
    export: Callable[[AsyncSession], Awaitable[Any]]
    default: Any = None  # what the block is when the file leaves it out (None: not applied)


@dataclass(frozen=True)
class RecordAnnex:
    """A table a domain adds after the activities of the Art. 30 record (the breach register, in
    JSON, CSV and PDF alike): `rows` answers one line per item, keyed by the fields of `columns`
    (field, label), without anyone's personal data."""

    key: str
    title: str
    columns: Sequence[tuple[str, str]]
    rows: Callable[[AsyncSession, datetime], Awaitable[list[dict[str, str | list[str]]]]]


# Files a domain adds to the auditor's bundle; answers fields for the manifest, if any.
BundlePart = Callable[[AsyncSession, "Archive", datetime], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class ConsentsCollected:
    """Where the consents the register's activities rest on are collected (Art. 7(1)): the
    categories a banner asks about, and the activities the organisation's own forms have recorded
    consents for. The register's gap check reads what every domain answers, together."""

    categories: frozenset[str] = frozenset()
    activities: frozenset[str] = frozenset()

    def __or__(self, other: ConsentsCollected) -> ConsentsCollected:
        return ConsentsCollected(self.categories | other.categories, self.activities | other.activities)


ConsentSource = Callable[[AsyncSession], Awaitable[ConsentsCollected]]


class Component(Protocol):
    """Something a domain keeps running beside the web service (a cache, a writer)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Domain:
    name: str
    templates: Path | None = None  # the folder of its Jinja templates (named `<name>/...` inside)
    admin_routes: Sequence[ControllerRouterHandler] = ()  # under /api/v1/admin, staff only
    console_routes: Sequence[ControllerRouterHandler] = ()  # under /console, staff only
    public_routes: Sequence[ControllerRouterHandler] = ()
    jobs: Sequence[Job] = ()
    config: Sequence[ConfigSection] = ()
    bundle: Sequence[BundlePart] = ()
    commands: Sequence[click.Command] = ()
    record_annexes: Sequence[RecordAnnex] = ()
    consents_collected: ConsentSource | None = None
    # The web service's components, kept in the app's state under their names.
    components: Callable[[Settings, SessionFactory], dict[str, Component]] | None = field(default=None)
