"""What the core itself brings, declared as the domains declare theirs: the register of other
systems (first, as connectors and retention rules name its systems), and the service's own pages,
staff and token management, the audit trail and the mail outbox (last, so that mail queued in a
pass of background work goes out in the same pass)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from privacy import endpoints, mail, operations, pages, systems
from privacy.domain import ConfigSection, Domain
from privacy.schemas import SystemIn

SYSTEMS = Domain(
    name="systems",
    admin_routes=[endpoints.SystemController],
    config=[
        ConfigSection(
            "systems",
            Annotated[list[SystemIn], Field(max_length=200)],
            systems.apply_systems_block,
            systems.export_systems_block,
        )
    ],
)

CORE = Domain(
    name="privacy",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    console_routes=pages.CONSOLE_PAGES,
    public_routes=[endpoints.HealthController, endpoints.jwks, *pages.PUBLIC_PAGES],
    jobs=[mail.deliver_mail],
    commands=operations.COMMANDS,
)
