"""The register as people read it (the privacy notice, a person's access report): data categories
with the organisation's labels per language or the catalogue's, and each lawful basis with what it
covers, as language-neutral structures the templates put in the reader's language
(`privacy/templates/register_in_words.html`)."""

from __future__ import annotations

from typing import Any

from privacy.i18n import N_
from privacy.register.schemas import ActivityOut, BasisUse, OrganisationProfile
from privacy.register.taxonomy import DATA_CATEGORIES

# Art. 6(1)(a)-(f), as people are told.
BASES = {
    "consent": N_("Your consent (Art. 6(1)(a) GDPR); you may withdraw it at any time"),
    "contract": N_("Performing our contract with you (Art. 6(1)(b) GDPR)"),
    "legal_obligation": N_("A legal obligation (Art. 6(1)(c) GDPR)"),
    "vital_interests": N_("Vital interests (Art. 6(1)(d) GDPR)"),
    "public_task": N_("A task in the public interest (Art. 6(1)(e) GDPR)"),
    "legitimate_interests": N_("Our legitimate interests (Art. 6(1)(f) GDPR)"),
}

# Chapter V: how a transfer is protected.
SAFEGUARDS = {
    "adequacy": N_("adequacy decision of the European Commission (Art. 45 GDPR)"),
    "eu_us_data_privacy_framework": N_("EU-US Data Privacy Framework"),
    "sccs_2021_914": N_("Standard Contractual Clauses (Commission Decision (EU) 2021/914)"),
    "binding_corporate_rules": N_("binding corporate rules (Art. 47 GDPR)"),
    "code_of_conduct": N_("approved code of conduct"),
    "certification": N_("approved certification"),
    "art_49_derogation": N_("derogation for a specific situation (Art. 49 GDPR)"),
    "not_needed": N_("none needed"),
    "": N_("to be documented"),
}

Labels = dict[str, dict[str, Any]]


def category_labels(organisation: OrganisationProfile) -> Labels:
    """Each data category's English label (a catalogue message for the starter taxonomy's) and the
    organisation's own labels per language for its custom categories."""
    labels: Labels = {key: {"label": label, "labels": {}} for key, label in DATA_CATEGORIES.items()}
    for custom in organisation.custom_data_categories:
        labels[custom.key] = {"label": custom.label("en"), "labels": dict(custom.labels)}
    return labels


def category(key: str, labels: Labels) -> dict[str, Any]:
    return labels.get(key) or {"label": key.replace("_", " "), "labels": {}}


def categories(activity: ActivityOut, labels: Labels) -> list[dict[str, Any]]:
    return [category(key, labels) for key in activity.personal_data_categories]


def basis(use: BasisUse, labels: Labels) -> dict[str, Any]:
    covers = use.covers
    return {
        "basis": use.basis.value,
        "scope": {
            "groups": covers.data_subjects,
            "data": [category(key, labels) for key in covers.data_categories],
            "countries": covers.countries,
            "note": covers.note,
        },
        "interest": use.legitimate_interest,
        "obligation": use.legal_obligation,
    }
