"""What goes in and out of DPIAs (Art. 35): explicit fields only."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from privacy.schemas import Day, Schema, ShortText, Text

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class Criterion(StrEnum):
    """The nine criteria of the WP29 guidelines on DPIAs (WP 248 rev.01, endorsed by the EDPB)."""

    EVALUATION_OR_SCORING = "evaluation_or_scoring"
    AUTOMATED_DECISIONS = "automated_decisions"  # with legal or similarly significant effect
    SYSTEMATIC_MONITORING = "systematic_monitoring"
    SENSITIVE_DATA = "sensitive_data"  # special categories, criminal data, or data of a highly personal nature
    LARGE_SCALE = "large_scale"
    MATCHING_DATASETS = "matching_datasets"
    VULNERABLE_PEOPLE = "vulnerable_people"
    INNOVATIVE_TECHNOLOGY = "innovative_technology"
    PREVENTS_EXERCISE_OF_RIGHT = "prevents_exercise_of_right"


CRITERIA_LABELS = {
    Criterion.EVALUATION_OR_SCORING: "Evaluation or scoring, including profiling and predicting",
    Criterion.AUTOMATED_DECISIONS: "Automated decisions with legal or similarly significant effect",
    Criterion.SYSTEMATIC_MONITORING: "Systematic monitoring",
    Criterion.SENSITIVE_DATA: "Sensitive data or data of a highly personal nature",
    Criterion.LARGE_SCALE: "Data processed on a large scale",
    Criterion.MATCHING_DATASETS: "Matching or combining datasets",
    Criterion.VULNERABLE_PEOPLE: "Data concerning vulnerable people (children, employees, patients...)",
    Criterion.INNOVATIVE_TECHNOLOGY: "Innovative use or new technological or organisational solutions",
    Criterion.PREVENTS_EXERCISE_OF_RIGHT: "Prevents people from exercising a right or using a service or contract",
}
# WP 248: "in most cases, a processing operation meeting two criteria would require a DPIA".
REQUIRED_FROM = 2


class ScreeningIn(Schema):
    criteria: Annotated[list[Criterion], Field(default_factory=list, max_length=9)]
    required: bool | None = Field(default=None, description="the decision; the criteria's suggestion when left out")
    reason: Reason | None = Field(default=None, description="needed when the decision departs from the suggestion")

    @model_validator(mode="after")
    def _reasoned(self) -> ScreeningIn:
        if len(set(self.criteria)) != len(self.criteria):
            raise ValueError("a criterion is named twice")
        suggested = len(self.criteria) >= REQUIRED_FROM
        if self.required is not None and self.required != suggested and self.reason is None:
            raise ValueError("a decision against what the criteria suggest needs the reason")
        return self


class ScreeningOut(Schema):
    activity: str
    criteria: list[Criterion]
    suggested_required: bool
    required: bool
    reason: str | None
    decided_by: str
    decided_at: datetime


class Level(StrEnum):
    """The scale of the CNIL's PIA method for likelihood and severity."""

    NEGLIGIBLE = "negligible"
    LIMITED = "limited"
    SIGNIFICANT = "significant"
    MAXIMUM = "maximum"


LEVELS = list(Level)


class RiskIn(Schema):
    """A feared event, its likelihood and severity, the measures against it and what remains."""

    description: ShortText
    likelihood: Level
    severity: Level
    measures: Text
    residual_likelihood: Level
    residual_severity: Level


class DpiaIn(Schema):
    """Art. 35(7): the processing described, its necessity and proportionality, the risks and the
    measures; the DPO's advice (Art. 35(2)); when it is reviewed (Art. 35(11))."""

    description: Text = Field(description="a systematic description of the processing and its purposes")
    necessity: Text = Field(description="necessity and proportionality in relation to the purposes")
    risks: Annotated[list[RiskIn], Field(default_factory=list, max_length=50)]
    dpo_opinion: Text | None = None
    review_on: Day | None = None


class SignOffIn(Schema):
    signed_by: ShortText = Field(description="who accepts the residual risk for the organisation")


class DpiaOut(DpiaIn):
    activity: str
    version: int
    status: str
    residual_risk: Level | None = Field(description="the highest residual risk, once risks are assessed")
    prior_consultation: bool = Field(description="Art. 36: the residual risk stays high, the authority is consulted")
    signed_off_by: str | None
    signed_off_at: datetime | None
    updated_at: datetime


class DpiaVersionOut(Schema):
    version: int
    status: str
    actor: str
    at: datetime


class DpiaSummary(Schema):
    activity: str
    name: str
    screening: ScreeningOut | None
    status: str = Field(description="the register's DPIA status for the activity")
    review_on: date | None
    review_overdue: bool
