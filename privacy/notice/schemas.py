"""What goes in and out of the notice's admin API."""

from __future__ import annotations

from pydantic import Field

from privacy.schemas import Flag, Schema, ShortText


class PublishIn(Schema):
    summary: ShortText = Field(description="what changed, for the revision history")
    material: Flag = Field(default=False, description="a material change: the consent banner asks again")


class VersionOut(Schema):
    version: int
    published_at: str
    published_by: str
    summary: str
    material: bool
    content_hash: str
