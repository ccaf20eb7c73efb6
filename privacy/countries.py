"""Countries as data protection law groups them."""

from __future__ import annotations

# Art. 45: the EU/EEA itself; transfers only begin outside it.
EEA = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT"}
    | {"LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
)


# Countries with a Commission adequacy decision (Art. 45(3)) as listed at the time of writing.
# The United States is adequate only for organisations certified under the EU-US Data Privacy
# Framework, which has its own safeguard value, so it is not in this list.
ADEQUATE_COUNTRIES = frozenset(["AD", "AR", "CA", "CH", "FO", "GB", "GG", "IL", "IM", "JE", "JP", "KR", "NZ", "UY"])
