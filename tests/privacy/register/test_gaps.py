"""Gap checks: each rule flags what an auditor would ask about, and only that."""

from __future__ import annotations

from typing import Any

import pytest

from privacy.domain import ConsentsCollected
from privacy.register.gaps import Context, find_gaps
from privacy.register.schemas import ActivityIn, OrganisationProfile
from tests.conftest import ORGANISATION, activity

PROFILE = OrganisationProfile.model_validate(ORGANISATION)


def gaps_of(consents: ConsentsCollected | None = None, **fields: Any) -> set[str]:
    checked = ActivityIn.model_validate(activity("a", **fields))
    return {gap.field for gap in find_gaps(checked, Context(PROFILE, consents))}


def test_complete_activity_has_no_gaps() -> None:
    assert gaps_of() == set()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lawful_basis": None}, "lawful_bases"),
        ({"lawful_basis": "consent"}, "lawful_bases[0].consent_purpose"),
        ({"lawful_basis": "legitimate_interests"}, "lawful_bases[0].legitimate_interest"),
        ({"lawful_basis": "legal_obligation"}, "lawful_bases[0].legal_obligation"),
        ({"consent_purpose": "newsletter"}, "lawful_bases[0].consent_purpose"),
        ({"name": "Newsletter", "purpose": "Send our monthly newsletter"}, "direct_marketing"),
        ({"special_categories": [{"category": "health"}]}, "special_categories[0].condition"),
        ({"transfers": [{"country": "IN"}]}, "transfers[0].safeguard"),
        ({"transfers": [{"country": "IN", "safeguard": "adequacy"}]}, "transfers[0].safeguard"),
        ({"transfers": [{"country": "GB", "safeguard": "eu_us_data_privacy_framework"}]}, "transfers[0].safeguard"),
        ({"transfers": [{"country": "FR", "safeguard": "sccs_2021_914"}]}, "transfers[0].country"),
        ({"retention": ""}, "retention"),
        ({"security_measures": []}, "security_measures"),
        ({"data_subject_categories": []}, "data_subject_categories"),
        ({"personal_data_categories": ["made_up"]}, "personal_data_categories[0]"),
        ({"automated_decisions": {"used": True}}, "automated_decisions.logic"),
        ({"dpia": {"status": "required"}}, "dpia.status"),
        ({"role": "joint_controller"}, "joint_controllers"),
    ],
)
def test_each_rule_flags_its_gap(fields: dict[str, Any], expected: str) -> None:
    assert expected in gaps_of(**fields)


def test_safeguarded_transfers_pass() -> None:
    assert (
        gaps_of(
            transfers=[
                {"country": "US", "safeguard": "sccs_2021_914"},
                {"country": "US", "safeguard": "eu_us_data_privacy_framework"},
                {"country": "JP", "safeguard": "adequacy"},
            ]
        )
        == set()
    )


def test_processor_activity_needs_its_controller_not_a_lawful_basis() -> None:
    assert gaps_of(role="processor", lawful_basis=None) == {"controller"}
    assert gaps_of(role="processor", lawful_basis=None, controller={"name": "Customer"}) == set()


INVOICES = {"note": "invoices and tax records", "data_categories": ["billing"]}


def test_several_bases_each_with_what_it_covers_pass() -> None:
    bases = [
        {"basis": "contract", "covers": {"data_subjects": ["Customers"]}},
        {"basis": "legal_obligation", "legal_obligation": "Code of Commerce, art. L123-22", "covers": INVOICES},
    ]
    assert gaps_of(lawful_bases=bases) == set()


def test_each_basis_is_checked_on_its_own_and_says_what_it_covers() -> None:
    bases = [
        {"basis": "contract"},
        {"basis": "legitimate_interests", "legal_obligation": "Tax law"},
        {"basis": "consent", "covers": {"data_subjects": ["Visitors"], "data_categories": ["location"]}},
    ]
    assert gaps_of(lawful_bases=bases) == {
        "lawful_bases",  # contract and legitimate interests both cover the whole activity
        "lawful_bases[1].legitimate_interest",
        "lawful_bases[1].legal_obligation",
        "lawful_bases[2].consent_purpose",
        "lawful_bases[2].covers.data_subjects",
        "lawful_bases[2].covers.data_categories",
    }


def test_a_consent_purpose_must_name_where_consent_is_collected() -> None:
    newsletter = {"lawful_basis": "consent", "consent_purpose": "newsletter"}
    nowhere = ConsentsCollected(categories=frozenset({"analytics"}))
    assert gaps_of(nowhere, **newsletter) == {"lawful_bases[0].consent_purpose"}
    assert gaps_of(ConsentsCollected(categories=frozenset({"newsletter"})), **newsletter) == set()
    assert gaps_of(ConsentsCollected(activities=frozenset({"a"})), **newsletter) == set()
    assert gaps_of(None, **newsletter) == set(), "not looked up: not reported"


def test_direct_marketing_said_either_way_is_no_gap() -> None:
    newsletter = {"name": "Newsletter", "purpose": "Send our monthly newsletter"}
    assert gaps_of(direct_marketing=True, **newsletter) == set()
    assert gaps_of(direct_marketing=False, **newsletter) == set()


def test_custom_categories_are_known_with_their_labels() -> None:
    profile = OrganisationProfile.model_validate(
        {
            **ORGANISATION,
            "custom_data_categories": [
                "telemetry",
                {"key": "vehicle_data", "labels": {"en": "Vehicle data", "fr": "Données du véhicule"}},
            ],
        }
    )
    checked = ActivityIn.model_validate(activity("a", personal_data_categories=["telemetry", "vehicle_data"]))
    assert find_gaps(checked, Context(profile)) == []
    assert profile.category_label("vehicle_data", "fr") == "Données du véhicule"
    assert profile.category_label("vehicle_data", "de") == "Vehicle data"
    assert profile.category_label("telemetry") == "Telemetry"
    assert profile.category_label("billing") == "Billing and payment details"
