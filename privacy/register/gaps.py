"""Gap checks: what an activity is missing, or states inconsistently, for Art. 5(2) accountability."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from privacy.countries import ADEQUATE_COUNTRIES, EEA
from privacy.db import utcnow
from privacy.register.schemas import (
    ActivityIn,
    ActivityRole,
    DpiaStatus,
    Gap,
    LawfulBasis,
    OrganisationProfile,
    Safeguard,
)
from privacy.register.taxonomy import DATA_CATEGORIES

Check = Callable[[ActivityIn, OrganisationProfile | None], Iterator[Gap]]


def find_gaps(activity: ActivityIn, profile: OrganisationProfile | None) -> list[Gap]:
    return [gap for check in CHECKS for gap in check(activity, profile)]


def _art30_fields(activity: ActivityIn, _profile: OrganisationProfile | None) -> Iterator[Gap]:
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


def _lawful_basis(activity: ActivityIn, _profile: OrganisationProfile | None) -> Iterator[Gap]:
    if activity.role is ActivityRole.PROCESSOR:
        return
    basis = activity.lawful_basis
    if basis is None:
        yield Gap(field="lawful_basis", message="Art. 6(1): no lawful basis")
    elif basis is LawfulBasis.CONSENT and not activity.consent_purpose:
        yield Gap(field="consent_purpose", message="consent basis without the consent purpose it depends on")
    elif basis is LawfulBasis.LEGITIMATE_INTERESTS and not activity.legitimate_interest:
        yield Gap(field="legitimate_interest", message="legitimate interests basis without the interest stated")
    elif basis is LawfulBasis.LEGAL_OBLIGATION and not activity.legal_obligation:
        yield Gap(field="legal_obligation", message="legal obligation basis without the obligation cited")
    if basis is not LawfulBasis.CONSENT and activity.consent_purpose:
        yield Gap(field="consent_purpose", message="a consent purpose is set but the basis is not consent")


def _special_categories(activity: ActivityIn, _profile: OrganisationProfile | None) -> Iterator[Gap]:
    for index, use in enumerate(activity.special_categories):
        if use.condition is None:
            yield Gap(
                field=f"special_categories[{index}].condition",
                message=f"Art. 9(1): {use.category.value.replace('_', ' ')} without an Art. 9(2) condition",
            )


def _transfers(activity: ActivityIn, _profile: OrganisationProfile | None) -> Iterator[Gap]:
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


def _data_categories(activity: ActivityIn, profile: OrganisationProfile | None) -> Iterator[Gap]:
    known = set(DATA_CATEGORIES) | set(profile.custom_data_categories if profile else [])
    for index, category in enumerate(activity.personal_data_categories):
        if category not in known:
            yield Gap(
                field=f"personal_data_categories[{index}]",
                message=f"'{category}' is not in the taxonomy; add it to the organisation's categories",
            )


def _accountability(activity: ActivityIn, _profile: OrganisationProfile | None) -> Iterator[Gap]:
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


CHECKS: list[Check] = [_art30_fields, _lawful_basis, _special_categories, _transfers, _data_categories, _accountability]
