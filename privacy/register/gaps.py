"""Gap checks: what an activity is missing, or states inconsistently, for Art. 5(2) accountability."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from privacy.countries import ADEQUATE_COUNTRIES, EEA
from privacy.db import utcnow
from privacy.domain import ConsentsCollected
from privacy.register.schemas import (
    ActivityIn,
    ActivityRole,
    BasisScope,
    BasisUse,
    DpiaStatus,
    Gap,
    LawfulBasis,
    OrganisationProfile,
    Safeguard,
)
from privacy.register.taxonomy import DATA_CATEGORIES


@dataclass(frozen=True)
class Context:
    """What the checks compare an activity with: the organisation's profile, and where consents
    are collected (None where the caller did not look: that check is left out)."""

    profile: OrganisationProfile | None
    consents: ConsentsCollected | None = None


Check = Callable[[ActivityIn, Context], Iterator[Gap]]


def find_gaps(activity: ActivityIn, context: Context) -> list[Gap]:
    return [gap for check in CHECKS for gap in check(activity, context)]


def _art30_fields(activity: ActivityIn, _context: Context) -> Iterator[Gap]:
    if activity.role is ActivityRole.PROCESSOR:
        if activity.controller is None:
            yield Gap(field="controller", message="Art. 30(2)(a): name the controller on whose behalf you process")
        if not activity.security_measures:
            yield Gap(field="security_measures", message="Art. 30(2)(d): describe the security measures")
        return
    if not activity.data_subject_categories:
        yield Gap(field="data_subject_categories", message="Art. 30(1)(c): no categories of data subjects")
    if not activity.personal_data_categories:
        yield Gap(field="personal_data_categories", message="Art. 30(1)(c): no categories of personal data")
    if not activity.retention:
        yield Gap(field="retention", message="Art. 30(1)(f): no time limit for erasure")
    if not activity.security_measures:
        yield Gap(field="security_measures", message="Art. 30(1)(g): no description of security measures")
    if activity.role is ActivityRole.JOINT_CONTROLLER and not activity.joint_controllers:
        yield Gap(field="joint_controllers", message="Art. 26: name the joint controllers")


def _lawful_bases(activity: ActivityIn, context: Context) -> Iterator[Gap]:
    if activity.role is ActivityRole.PROCESSOR:
        return
    if not activity.lawful_bases:
        yield Gap(field="lawful_bases", message="Art. 6(1): no lawful basis")
    for index, use in enumerate(activity.lawful_bases):
        yield from _basis_gaps(activity, f"lawful_bases[{index}]", use)
        if context.consents is not None and use.basis is LawfulBasis.CONSENT and use.consent_purpose:
            yield from _consent_collected(activity, f"lawful_bases[{index}]", use.consent_purpose, context.consents)
    whole = [use for use in activity.lawful_bases if use.covers == BasisScope()]
    if len(activity.lawful_bases) > 1 and len(whole) > 1:
        yield Gap(field="lawful_bases", message="several bases cover the whole activity: say what each one covers")


# What each basis rests on (Art. 6(1)(a), (c), (f); Art. 7(1) for the proof of consent).
BASIS_NEEDS = {
    LawfulBasis.CONSENT: ("consent_purpose", "consent basis without the consent purpose it depends on"),
    LawfulBasis.LEGITIMATE_INTERESTS: ("legitimate_interest", "legitimate interests basis without the interest stated"),
    LawfulBasis.LEGAL_OBLIGATION: ("legal_obligation", "legal obligation basis without the obligation cited"),
}
SPECIFIC_TO = {
    "consent_purpose": LawfulBasis.CONSENT,
    "legitimate_interest": LawfulBasis.LEGITIMATE_INTERESTS,
    "balancing_test": LawfulBasis.LEGITIMATE_INTERESTS,
    "legal_obligation": LawfulBasis.LEGAL_OBLIGATION,
}


def _basis_gaps(activity: ActivityIn, path: str, use: BasisUse) -> Iterator[Gap]:
    if use.basis in BASIS_NEEDS:
        needed, message = BASIS_NEEDS[use.basis]
        if not getattr(use, needed):
            yield Gap(field=f"{path}.{needed}", message=message)
    for name, basis in SPECIFIC_TO.items():
        if getattr(use, name) and use.basis is not basis:
            yield Gap(
                field=f"{path}.{name}",
                message=f"{name.replace('_', ' ')} is set but this basis is not {basis.value.replace('_', ' ')}",
            )
    for category in sorted(set(use.covers.data_categories) - set(activity.personal_data_categories)):
        yield Gap(field=f"{path}.covers.data_categories", message=f"'{category}' is not among the activity's data")
    for group in sorted(set(use.covers.data_subjects) - set(activity.data_subject_categories)):
        yield Gap(field=f"{path}.covers.data_subjects", message=f"'{group}' is not among the activity's people")


def _consent_collected(activity: ActivityIn, path: str, purpose: str, consents: ConsentsCollected) -> Iterator[Gap]:
    """Art. 7(1): the consent must be provable, so it is asked somewhere the toolkit records it: a
    banner's category, or the organisation's own forms recording consents for this activity."""
    if purpose not in consents.categories and activity.key not in consents.activities:
        yield Gap(
            field=f"{path}.consent_purpose",
            message=f"'{purpose}' names no consent category of a banner, and no consent is recorded for this "
            "activity: where is the consent asked and its proof kept (Art. 7(1))?",
        )


# Words that mark an activity as direct marketing in the languages the toolkit speaks.
MARKETING_WORDS = re.compile(
    r"marketing|newsletter|advertis|promotion|prospect|mailing|publicit|werbung|reclame|publicidad|comercial",
    re.IGNORECASE,
)


def _direct_marketing(activity: ActivityIn, _context: Context) -> Iterator[Gap]:
    """Art. 21(2)-(3): an objection to direct marketing stops it, so the register must say which
    activities are; one that reads like it and says neither way is a gap."""
    if activity.direct_marketing is None and MARKETING_WORDS.search(f"{activity.name} {activity.purpose}"):
        yield Gap(
            field="direct_marketing",
            message="reads like direct marketing: say whether it is, so that an objection reaches it (Art. 21(2))",
        )


def _special_categories(activity: ActivityIn, _context: Context) -> Iterator[Gap]:
    for index, use in enumerate(activity.special_categories):
        if use.condition is None:
            yield Gap(
                field=f"special_categories[{index}].condition",
                message=f"Art. 9(1): {use.category.value.replace('_', ' ')} without an Art. 9(2) condition",
            )


def _transfers(activity: ActivityIn, _context: Context) -> Iterator[Gap]:
    for index, transfer in enumerate(activity.transfers):
        field, country = f"transfers[{index}]", transfer.country
        if country in EEA:
            yield Gap(field=f"{field}.country", message=f"{country} is in the EEA: not a third-country transfer")
        elif transfer.safeguard is None:
            yield Gap(field=f"{field}.safeguard", message=f"Chapter V: transfer to {country} without a safeguard")
        elif transfer.safeguard is Safeguard.ADEQUACY and country not in ADEQUATE_COUNTRIES:
            yield Gap(field=f"{field}.safeguard", message=f"Art. 45: no adequacy decision covers {country}")
        elif transfer.safeguard is Safeguard.EU_US_DPF and country != "US":
            yield Gap(field=f"{field}.safeguard", message="the Data Privacy Framework covers only the US")


def _data_categories(activity: ActivityIn, context: Context) -> Iterator[Gap]:
    custom = context.profile.custom_data_categories if context.profile else []
    known = set(DATA_CATEGORIES) | {category.key for category in custom}
    for index, category in enumerate(activity.personal_data_categories):
        if category not in known:
            yield Gap(
                field=f"personal_data_categories[{index}]",
                message=f"'{category}' is not in the taxonomy; add it to the organisation's categories",
            )


def _accountability(activity: ActivityIn, _context: Context) -> Iterator[Gap]:
    if activity.automated_decisions.used and not activity.automated_decisions.logic:
        yield Gap(field="automated_decisions.logic", message="Art. 22: describe the logic involved")
    if activity.dpia.status is DpiaStatus.REQUIRED:
        yield Gap(field="dpia.status", message="Art. 35: a DPIA is required but has not started")
    if activity.dpia.status is DpiaStatus.COMPLETED and not activity.dpia.reference:
        yield Gap(field="dpia.reference", message="a completed DPIA needs a reference to the document")
    if activity.dpia.review_on is not None and activity.dpia.review_on < utcnow().date():
        yield Gap(field="dpia.review_on", message="Art. 35(11): the DPIA's review is overdue")
    needs_assessment = activity.special_categories or activity.automated_decisions.used
    if needs_assessment and activity.dpia.status is DpiaStatus.NOT_ASSESSED:
        yield Gap(
            field="dpia.status",
            message="Art. 35(3): special categories or automated decisions, but no DPIA assessment recorded",
        )


CHECKS: list[Check] = [
    _art30_fields,
    _lawful_bases,
    _direct_marketing,
    _special_categories,
    _transfers,
    _data_categories,
    _accountability,
]
