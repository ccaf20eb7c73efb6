"""Configuration as code: one YAML file applied idempotently, and written back out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from pydantic import Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from consent import service as consent_service
from consent.schemas import ConsentSetup
from dsar import systems as connectors
from dsar.schemas import ConnectorIn
from privacy import register, systems
from privacy.actors import Actor
from privacy.errors import FieldError, Invalid, NotFound, validation_errors
from privacy.schemas import ActivityIn, OrganisationProfile, Schema, SystemIn
from privacy.settings import Settings
from privacy.yaml_input import DEFAULT_MAX_BYTES, load_yaml
from retention import service as retention_service
from retention.schemas import RetentionConfig
from subprocessors import service as subprocessor_service
from subprocessors.schemas import SubProcessorIn

FILE_HAS_ERRORS = "the configuration file has errors; nothing was applied"


class ConfigFile(Schema):
    organisation: OrganisationProfile | None = None
    systems: list[SystemIn] = Field(default_factory=list, max_length=200)
    activities: list[ActivityIn] = Field(default_factory=list, max_length=5000)
    retention: RetentionConfig | None = None
    subprocessors: list[SubProcessorIn] = Field(default_factory=list, max_length=1000)
    consent: ConsentSetup | None = None
    connectors: list[ConnectorIn] = Field(default_factory=list, max_length=200)


@dataclass
class Change:
    path: str
    kind: str  # create, update, unchanged
    fields: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.kind == "update":
            return f"~ {self.path}: {', '.join(self.fields)}"
        return f"{'+' if self.kind == 'create' else '='} {self.path}"


def parse_config(text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ConfigFile:
    """Parse and validate the whole file; every error names its path in the file. `max_bytes` is
    the `max_yaml_bytes` setting."""
    document = load_yaml(text, max_bytes=max_bytes)
    if not isinstance(document, dict):
        raise Invalid("the file must be a mapping with keys such as organisation and activities")
    try:
        config = ConfigFile.model_validate(document)
    except ValidationError as error:
        raise Invalid(FILE_HAS_ERRORS, errors=validation_errors(error)) from error
    errors = _duplicate_keys(config)
    if errors:
        raise Invalid(FILE_HAS_ERRORS, errors=errors)
    return config


def _duplicate_keys(config: ConfigFile) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for index, activity in enumerate(config.activities):
        if activity.key in seen:
            errors.append(FieldError(f"activities[{index}].key", f"duplicate key '{activity.key}'"))
        seen.add(activity.key)
    subprocessor_keys: set[str] = set()
    for index, subprocessor in enumerate(config.subprocessors):
        if subprocessor.key in subprocessor_keys:
            errors.append(FieldError(f"subprocessors[{index}].key", f"duplicate key '{subprocessor.key}'"))
        subprocessor_keys.add(subprocessor.key)
    return errors


async def apply_config(
    session: AsyncSession, *, config: ConfigFile, actor: Actor, settings: Settings, now: datetime
) -> list[Change]:
    """Create or update everything the file names, in the caller's transaction."""
    changes: list[Change] = []
    known_systems = {system.key for system in await systems.list_systems(session)}
    for system in config.systems:  # before the connectors and retention rules that name them
        _, changed = await systems.save_system(session, system=system, actor=actor, settings=settings, now=now)
        kind = "create" if system.key not in known_systems else "update" if changed else "unchanged"
        changes.append(Change(f"systems[{system.key}]", kind))
    if config.organisation is not None:
        before = await register.get_organisation(session)
        changed = await register.save_organisation(session, profile=config.organisation, actor=actor, now=now)
        changes.append(_organisation_change(before, config.organisation, changed))
    for activity in config.activities:
        changes.append(await _apply_activity(session, activity=activity, actor=actor, now=now))
    if config.consent is not None:
        existed = await consent_service.setup_etag(session) is not None
        changed = await consent_service.save_setup(session, setup=config.consent, actor=actor, now=now)
        kind = "unchanged" if not changed else "update" if existed else "create"
        changes.append(Change("consent", kind, ["set-up"] if kind == "update" else []))
    if config.retention is not None:
        changes += await _apply_retention(session, config.retention, actor=actor, now=now)
    known_subprocessors = {row.key for row in await subprocessor_service.list_subprocessors(session)}
    for subprocessor in config.subprocessors:
        _, changed = await subprocessor_service.save_subprocessor(
            session, subprocessor=subprocessor, actor=actor, now=now
        )
        kind = "create" if subprocessor.key not in known_subprocessors else "update" if changed else "unchanged"
        changes.append(Change(f"subprocessors[{subprocessor.key}]", kind))
    known = {row.key for row in await connectors.list_connectors(session)}
    for connector in config.connectors:
        _, changed = await connectors.save_connector(session, connector=connector, actor=actor, now=now)
        kind = "create" if connector.key not in known else "update" if changed else "unchanged"
        changes.append(Change(f"connectors[{connector.key}]", kind))
    return changes


async def _apply_retention(
    session: AsyncSession, retention: RetentionConfig, *, actor: Actor, now: datetime
) -> list[Change]:
    known = {row.key for row in await retention_service.list_rules(session)}
    changes = []
    for rule in retention.rules:
        _, changed = await retention_service.save_rule(session, rule=rule, actor=actor, now=now)
        kind = "create" if rule.key not in known else "update" if changed else "unchanged"
        changes.append(Change(f"retention.rules[{rule.key}]", kind))
    changed = await retention_service.save_backups(session, schedules=retention.backups, actor=actor, now=now)
    changes.append(Change("retention.backups", "update" if changed else "unchanged"))
    return changes


def _organisation_change(before: OrganisationProfile | None, after: OrganisationProfile, changed: bool) -> Change:
    if before is None:
        return Change("organisation", "create")
    if not changed:
        return Change("organisation", "unchanged")
    return Change("organisation", "update", _changed_fields(before.model_dump(), after.model_dump()))


async def _apply_activity(session: AsyncSession, *, activity: ActivityIn, actor: Actor, now: datetime) -> Change:
    path = f"activities[{activity.key}]"
    try:
        current = await register.get_activity(session, key=activity.key)
    except NotFound:
        await register.create_activity(session, activity=activity, actor=actor, now=now)
        return Change(path, "create")
    _, changed = await register.update_activity(session, key=activity.key, activity=activity, actor=actor, now=now)
    if not changed:
        return Change(path, "unchanged")
    before = register.as_activity_in(current)
    return Change(path, "update", _changed_fields(before.model_dump(), activity.model_dump()))


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after[name]]


async def export_config(session: AsyncSession) -> str:
    organisation = await register.get_organisation(session)
    activities = await register.list_activities(session)
    document: dict[str, Any] = {}
    if organisation is not None:
        document["organisation"] = organisation.model_dump(mode="json", exclude_defaults=True)
    registered = await systems.list_systems(session)
    if registered:  # without URLs and secrets, which stay as stored when the file is applied again
        document["systems"] = [system.model_dump(mode="json") for system in registered]
    document["activities"] = [
        register.as_activity_in(a).model_dump(mode="json", exclude_defaults=True)
        for a in sorted(activities, key=lambda a: a.key)
    ]
    consent = await consent_service.load_setup(session)
    if consent is not None:
        document["consent"] = consent.setup.model_dump(mode="json", exclude_defaults=True)
    rules = await retention_service.list_rules(session)
    backups = await retention_service.list_backups(session)
    if rules or backups:
        document["retention"] = {
            "rules": [row.content for row in rules],
            "backups": [schedule.model_dump() for schedule in backups],
        }
    subprocessors = await subprocessor_service.list_subprocessors(session)
    if subprocessors:  # their lifecycle (announcements, retirements) lives in the database, not the file
        document["subprocessors"] = [row.content for row in subprocessors]
    mapped = await connectors.list_connectors(session)
    if mapped:
        document["connectors"] = [row.content for row in mapped]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
