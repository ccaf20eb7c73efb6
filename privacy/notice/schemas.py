"""What goes in and out of the notice's admin API."""

from __future__ import annotations

from pydantic import Field

from privacy.schemas import Day, Flag, Key, Language, Schema, ShortText, Text

# The organisation's own words, per language (ISO 639-1); a language it lacks falls back to the
# organisation's default, and the page says so.
PerLanguage = dict[Language, Text]


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


class CustomSection(Schema):
    """A section of the organisation's own, placed after the rights."""

    key: Key
    titles: dict[Language, ShortText]
    texts: PerLanguage


class EarlierVersion(Schema):
    """A version of the privacy policy published before the toolkit was adopted."""

    published_on: Day
    summary: ShortText


class NoticeStatements(Schema):
    """What the notice states besides the records, each optional, in the organisation's languages.
    The notice places each in a fixed place among the generated sections (`notice.html`)."""

    scope: PerLanguage = Field(
        default_factory=dict,
        description="who the controller is for what, and what the notice does not cover (e.g. data processed "
        "as a processor for customers)",
    )
    children: PerLanguage = Field(default_factory=dict, description="children and their data")
    no_sale: PerLanguage = Field(default_factory=dict, description="that personal data is not sold or shared")
    automated_decisions: PerLanguage = Field(default_factory=dict, description="automated decisions, in words")
    security: PerLanguage = Field(default_factory=dict, description="the security measures, in summary")
    breach_notification: PerLanguage = Field(default_factory=dict, description="how people hear of a breach")
    ai_assistants: PerLanguage = Field(default_factory=dict, description="AI assistants and integrations")
    changes: PerLanguage = Field(default_factory=dict, description="how changes to the notice are announced")
    custom: list[CustomSection] = Field(default_factory=list, max_length=20)
    history: list[EarlierVersion] = Field(
        default_factory=list, max_length=100, description="versions published before the toolkit, oldest first"
    )
