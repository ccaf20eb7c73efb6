"""What the register brings to the toolkit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from privacy.domain import ConfigSection, Domain
from privacy.register import endpoints, pages, service
from privacy.register.schemas import ActivityIn, OrganisationProfile

DOMAIN = Domain(
    name="register",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    config=[
        ConfigSection(
            "organisation", OrganisationProfile, service.apply_organisation_block, service.export_organisation_block
        ),
        ConfigSection(
            "activities",
            Annotated[list[ActivityIn], Field(max_length=5000)],
            service.apply_activities_block,
            service.export_activities_block,
        ),
    ],
    bundle=[service.art30_bundle_part],
)
