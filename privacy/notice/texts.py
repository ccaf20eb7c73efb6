"""The privacy notice's fixed wording chosen by a record's value, in English, marked for the
catalogues (`privacy/locales`): the notice translates it into the language it is shown in."""

from __future__ import annotations

from privacy.i18n import N_

# What a retention period counts from.
EVENTS = {
    "collected": N_("collection"),
    "last_contact": N_("our last contact"),
    "contract_end": N_("the end of the contract"),
    "replied": N_("our reply"),
}
OTHER_EVENT = N_("the date the period counts from")  # an event of the organisation's own systems

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
