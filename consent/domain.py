"""What cookie consent brings to the toolkit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from consent import endpoints, pages, partitions, policy_page, setup, statistics
from consent.cache import SetupCache
from consent.location import CDN_HEADERS
from consent.recorder import RecordWriter
from consent.schemas import ConsentSetup
from privacy.db import SessionFactory
from privacy.domain import Component, ConfigSection, ConsentsCollected, Domain
from privacy.keys import ConfigurationError
from privacy.settings import Settings


async def make_months_ahead(session: AsyncSession, now: datetime, _settings: Settings) -> None:
    """On PostgreSQL, this month's partition of the consent records and the next three."""
    connection = await session.connection()
    if await partitions.is_partitioned(connection):
        await partitions.make_months_ahead(connection, now)
        await session.commit()


async def categories_asked(session: AsyncSession) -> ConsentsCollected:
    """The banner's categories: what a consent basis of the register may name as its purpose."""
    loaded = await setup.load_setup(session)
    return ConsentsCollected(categories=frozenset(c.key for c in loaded.setup.categories) if loaded else frozenset())


def components(settings: Settings, sessions: SessionFactory) -> dict[str, Component]:
    """The set-up kept in memory (the decision reads no database), and the records' group writer."""
    unknown_cdns = set(settings.trusted_cdns) - set(CDN_HEADERS)
    if unknown_cdns:
        raise ConfigurationError(f"PRIVACY_GEO_HEADERS names unknown CDNs: {', '.join(sorted(unknown_cdns))}")
    return {
        "consent_cache": SetupCache(sessions, interval=settings.consent_refresh_seconds),
        "consent_writer": RecordWriter(sessions),
    }


DOMAIN = Domain(
    name="consent",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    public_routes=[*endpoints.PUBLIC_HANDLERS, policy_page.cookie_policy],
    jobs=[make_months_ahead],
    config=[ConfigSection("consent", ConsentSetup, setup.apply_setup_block, setup.export_setup_block)],
    bundle=[statistics.statistics_bundle_part],
    components=components,
    consents_collected=categories_asked,
)
