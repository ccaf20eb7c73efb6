"""Reference lists the register checks against."""

from __future__ import annotations

from privacy.i18n import N_

# A starter taxonomy of personal data categories; organisations extend it in their profile. The labels
# are marked for the catalogues: public pages show them in the reader's language.
DATA_CATEGORIES: dict[str, str] = {
    "identification": N_("Identification (name, username, customer number)"),
    "contact": N_("Contact details (email, phone, postal address)"),
    "account_credentials": N_("Account credentials (password hashes, 2FA secrets)"),
    "billing": N_("Billing and payment details"),
    "contract": N_("Contract and order history"),
    "communications": N_("Correspondence and support tickets"),
    "technical_identifiers": N_("Technical identifiers (IP address, device and browser data)"),
    "usage": N_("Usage and activity data (logs, events)"),
    "cookie_identifiers": N_("Cookie and similar identifiers"),
    "location": N_("Location data"),
    "marketing_preferences": N_("Marketing preferences and consent choices"),
    "professional": N_("Professional details (employer, job title)"),
    "cv_and_applications": N_("CVs, application letters, interview notes"),
    "identity_documents": N_("Identity documents and official identifiers"),
    "financial": N_("Financial data (bank account, creditworthiness)"),
    "hosted_content": N_("Content that customers store on the service"),
    "recordings": N_("Call recordings, photos and video"),
    "legal_proceedings": N_("Data relating to legal claims and proceedings"),
}


def category_label(key: str) -> str:
    """A category as people read it: the starter taxonomy's label, or a custom key in words."""
    return DATA_CATEGORIES.get(key) or key.replace("_", " ").capitalize()


# How the exports name each value, with the article it comes from.
LAWFUL_BASIS_LABELS = {
    "consent": "Consent (Art. 6(1)(a))",
    "contract": "Contract (Art. 6(1)(b))",
    "legal_obligation": "Legal obligation (Art. 6(1)(c))",
    "vital_interests": "Vital interests (Art. 6(1)(d))",
    "public_task": "Public task (Art. 6(1)(e))",
    "legitimate_interests": "Legitimate interests (Art. 6(1)(f))",
}

ARTICLE_9_CONDITION_LABELS = {
    "explicit_consent": "explicit consent, Art. 9(2)(a)",
    "employment_and_social_security": "employment and social security law, Art. 9(2)(b)",
    "vital_interests": "vital interests, Art. 9(2)(c)",
    "not_for_profit_body": "not-for-profit body, Art. 9(2)(d)",
    "manifestly_made_public": "manifestly made public, Art. 9(2)(e)",
    "legal_claims": "legal claims, Art. 9(2)(f)",
    "substantial_public_interest": "substantial public interest, Art. 9(2)(g)",
    "health_or_social_care": "health or social care, Art. 9(2)(h)",
    "public_health": "public health, Art. 9(2)(i)",
    "archiving_research_statistics": "archiving, research or statistics, Art. 9(2)(j)",
}

SAFEGUARD_LABELS = {
    "adequacy": "adequacy decision (Art. 45)",
    "eu_us_data_privacy_framework": "EU-US Data Privacy Framework (Decision (EU) 2023/1795)",
    "sccs_2021_914": "Standard Contractual Clauses (Decision (EU) 2021/914)",
    "binding_corporate_rules": "binding corporate rules (Art. 47)",
    "code_of_conduct": "approved code of conduct (Art. 46(2)(e))",
    "certification": "approved certification (Art. 46(2)(f))",
    "art_49_derogation": "derogation for a specific situation (Art. 49)",
}
