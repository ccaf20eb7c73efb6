"""What the register brings to the toolkit."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Annotated

from pydantic import Field

from privacy.domain import ConfigSection, Domain, RecordAnnex
from privacy.register import endpoints, pages, service
from privacy.register.schemas import ActivityIn, OrganisationProfile


def register_domain(annexes: Sequence[RecordAnnex]) -> Domain:
    """The register, its Art. 30 record closed by `annexes`, the tables other domains add to it."""
    return Domain(
        name="register",
        templates=Path(__file__).parent / "templates",
        admin_routes=endpoints.admin_routes(annexes),
        console_routes=pages.CONSOLE_PAGES,
        public_routes=pages.PUBLIC_PAGES,
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
        bundle=[partial(service.art30_bundle_part, annexes=annexes)],
    )
