"""The privacy notice's fixed wording chosen by a record's value, in English, marked for the
catalogues (`privacy/locales`): the notice translates it into the language it is shown in."""

from __future__ import annotations

from privacy.i18n import N_

# Art. 6(1)(a)-(f), as the notice tells people.
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

# What a retention period counts from.
EVENTS = {
    "collected": N_("collection"),
    "last_contact": N_("our last contact"),
    "contract_end": N_("the end of the contract"),
    "replied": N_("our reply"),
}

CONTACT_TITLES = {
    "dpo": N_("Data protection officer"),
    "eu_representative": N_("Representative in the EU (Art. 27)"),
    "uk_representative": N_("Representative in the United Kingdom"),
}

# Art. 15-21 and 7(3), in the order the GDPR gives them.
RIGHTS = [
    N_("to access your data and receive a copy (Art. 15 GDPR);"),
    N_("to have inaccurate data corrected (Art. 16 GDPR);"),
    N_("to have your data erased (Art. 17 GDPR);"),
    N_("to restrict the processing (Art. 18 GDPR);"),
    N_("to receive data you gave us in a portable format (Art. 20 GDPR);"),
    N_("to object to processing based on legitimate interests or for direct marketing (Art. 21 GDPR);"),
    N_("to withdraw consent at any time, without affecting what was done before (Art. 7(3) GDPR)."),
]
