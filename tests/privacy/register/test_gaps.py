"""Gap checks: each rule flags what an auditor would ask about, and only that."""

from __future__ import annotations

from typing import Any

import pytest

from privacy.register.gaps import find_gaps
from privacy.register.schemas import ActivityIn, OrganisationProfile
from tests.conftest import ORGANISATION, activity

PROFILE = OrganisationProfile.model_validate(ORGANISATION)


def gaps_of(**fields: Any) -> set[str]:
    return {gap.field for gap in find_gaps(ActivityIn.model_validate(activity("a", **fields)), PROFILE)}


def test_complete_activity_has_no_gaps() -> None:
    assert gaps_of() == set()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lawful_basis": None}, "lawful_basis"),
        ({"lawful_basis": "consent"}, "consent_purpose"),
        ({"lawful_basis": "legitimate_interests"}, "legitimate_interest"),
        ({"lawful_basis": "legal_obligation"}, "legal_obligation"),
        ({"consent_purpose": "newsletter"}, "consent_purpose"),
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
