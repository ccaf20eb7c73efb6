"""Reference lists the register checks against."""

from __future__ import annotations

# A starter taxonomy of personal data categories; organisations extend it in their profile.
DATA_CATEGORIES: dict[str, str] = {
    "identification": "Identification (name, username, customer number)",
    "contact": "Contact details (email, phone, postal address)",
    "account_credentials": "Account credentials (password hashes, 2FA secrets)",
    "billing": "Billing and payment details",
    "contract": "Contract and order history",
    "communications": "Correspondence and support tickets",
    "technical_identifiers": "Technical identifiers (IP address, device and browser data)",
    "usage": "Usage and activity data (logs, events)",
    "cookie_identifiers": "Cookie and similar identifiers",
    "location": "Location data",
    "marketing_preferences": "Marketing preferences and consent choices",
    "professional": "Professional details (employer, job title)",
    "cv_and_applications": "CVs, application letters, interview notes",
    "identity_documents": "Identity documents and official identifiers",
    "financial": "Financial data (bank account, creditworthiness)",
    "hosted_content": "Content that customers store on the service",
    "recordings": "Call recordings, photos and video",
    "legal_proceedings": "Data relating to legal claims and proceedings",
}

# Art. 45: the EU/EEA itself; transfers only begin outside it.
EEA = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT"}
    | {"LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
)

# Countries with a Commission adequacy decision (Art. 45(3)) as listed at the time of writing.
# The United States is adequate only for organisations certified under the EU-US Data Privacy
# Framework, which has its own safeguard value, so it is not in this list.
ADEQUATE_COUNTRIES = frozenset(["AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY"])
