"""What goes in and out of the connector API: a system holding personal data, as request work
reaches it, and what each of its tables gives, erases, corrects or flags. Explicit fields only."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from privacy.schemas import Day, Email, Flag, Key, Schema, ShortText

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")]


class ErasureRule(Schema):
    """What erasure does to a person's rows in one table."""

    action: Literal["delete", "anonymise", "keep"] = "delete"
    anonymise: dict[Identifier, str | None] = Field(
        default_factory=dict, description="for anonymise: column -> replacement (null clears it)"
    )
    obligation: ShortText | None = Field(default=None, description="for keep: the legal obligation that requires it")
    until: Day | None = Field(default=None, description="for keep: until when")

    @model_validator(mode="after")
    def _complete(self) -> ErasureRule:
        if self.action == "anonymise" and not self.anonymise:
            raise ValueError("anonymise needs the columns to replace")
        if self.action == "keep" and not self.obligation:
            raise ValueError("keep needs the legal obligation that requires it")
        return self


class TableMapping(Schema):
    table: Identifier
    identity_column: Identifier = Field(description="the column holding the person's email")
    columns: list[Identifier] = Field(min_length=1, max_length=200, description="the columns a person receives")
    category: Key = "identification"
    provided_by_person: Flag = Field(default=False, description="data the person gave us (portable, Art. 20)")
    rectifiable: list[Identifier] = Field(
        default_factory=list, max_length=200, description="the columns a rectification may correct (Art. 16)"
    )
    restricted_column: Identifier | None = Field(
        default=None, description="a flag set while the person's data is restricted (Art. 18), as retention's"
    )
    suppressed_column: Identifier | None = Field(
        default=None, description="a flag set for a person who objected: the system stops processing their rows"
    )
    erasure: ErasureRule = Field(default_factory=ErasureRule)

    @model_validator(mode="after")
    def _anonymises_the_identity(self) -> TableMapping:
        if self.erasure.action == "anonymise" and self.identity_column not in self.erasure.anonymise:
            raise ValueError(f"anonymising must replace the identity column '{self.identity_column}' too")
        if self.identity_column.casefold() in {name.casefold() for name in self.rectifiable}:
            # The column finds the person in every step: a changed email is handled in the system itself.
            raise ValueError(f"the identity column '{self.identity_column}' cannot be rectifiable")
        return self


class ConnectorKind(StrEnum):
    SQL = "sql"
    HTTP = "http"
    MANUAL = "manual"


class ConnectorIn(Schema):
    """A system holding personal data, as request work reaches it: a registered system (`system`,
    for sql and http) with what to do in it, or a system's owner who does it by hand (manual).
    Connection details live in the register of systems, which only administrators change."""

    key: Key
    name: ShortText
    kind: ConnectorKind
    activities: list[Key] = Field(default_factory=list, max_length=100)
    enabled: Flag = True
    system: Key | None = Field(default=None, description="for sql and http: the registered system's key")
    tables: list[TableMapping] = Field(default_factory=list, max_length=100)
    owner_email: Email | None = None

    @model_validator(mode="after")
    def _complete_for_kind(self) -> ConnectorIn:
        if self.kind is not ConnectorKind.MANUAL and self.system is None:
            raise ValueError(f"an {self.kind.value} connector names the registered system it reaches (system)")
        if self.kind is ConnectorKind.SQL and not self.tables:
            raise ValueError("an sql connector needs its table mappings")
        if self.kind is ConnectorKind.MANUAL and not self.owner_email:
            raise ValueError("a manual connector needs the email of the system's owner")
        return self

    def public(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_defaults=True)


class ConnectorOut(Schema):
    key: str
    name: str
    kind: ConnectorKind
    activities: list[str]
    enabled: bool
    system: str | None
    tables: list[TableMapping]
    owner_email: str | None
