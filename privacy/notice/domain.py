"""What the privacy notice brings to the toolkit."""

from __future__ import annotations

from pathlib import Path

from privacy.domain import ConfigSection, Domain
from privacy.notice import commands, endpoints, pages, service, statements
from privacy.notice.schemas import NoticeStatements

DOMAIN = Domain(
    name="notice",
    templates=Path(__file__).parent / "templates",
    admin_routes=endpoints.ADMIN_CONTROLLERS,
    public_routes=pages.PUBLIC_PAGES,
    config=[
        ConfigSection("notice", NoticeStatements, statements.apply_statements_block, statements.export_statements_block)
    ],
    bundle=[service.versions_bundle_part],
    commands=[commands.notice_group],
)
