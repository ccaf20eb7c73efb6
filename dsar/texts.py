"""The privacy centre's fixed wording: English message ids marked for the catalogues
(`privacy/locales`), read in the person's language from them."""

from __future__ import annotations

from functools import cache
from typing import Any

from privacy.i18n import LANGUAGES, N_, gettext

# Keyed as the templates read it (`t.title`, `t.types.access`).
WORDING: dict[str, Any] = {
    "title": N_("Your personal data"),
    "intro": N_(
        "Ask us what personal data we hold about you, for a copy to take elsewhere, to correct or "
        "erase it, or to restrict or object to its use. We answer within one month; for complex "
        "requests we may extend this by two further months and will tell you why."
    ),
    "type": N_("What would you like?"),
    "types": {
        "access": N_("A copy of my data (access)"),
        "portability": N_("My data to take to another service (portability)"),
        "erasure": N_("Erase my data (erasure)"),
        "rectification": N_("Correct my data (rectification)"),
        "restriction": N_("Restrict the use of my data (restriction)"),
        "objection": N_("Object to the use of my data (objection)"),
        "withdrawal": N_("Withdraw a consent I gave (withdrawal)"),
        "directive": N_("Leave, change or revoke directives for my data after my death"),
        "death_notice": N_("Tell you of the death of someone whose data you hold"),
    },
    "email": N_("Your email address"),
    "email_hint": N_("We send a code to this address to check that it is yours."),
    "name": N_("Your name (optional)"),
    "details": N_("Anything we should know (optional)"),
    "corrections": N_(
        "To correct your data: what is wrong and what it should be, one per line as: what = what it "
        "should be (optional)"
    ),
    "objection_scope": N_("For an objection: what do you object to? (None ticked: all of it.)"),
    "direct_marketing": N_("Direct marketing (always stopped)"),
    "restriction_ground": N_("If you ask for a restriction: why"),
    "restrict_meanwhile": N_("For a correction or an objection: restrict the use of my data until you decide"),
    "grounds": {
        "accuracy_contested": N_("You contest the accuracy of the data"),
        "unlawful_processing": N_("The processing is unlawful, but you do not want the data erased"),
        "legal_claims": N_("You need the data for a legal claim"),
        "objection_pending": N_("You objected and await our decision"),
    },
    "post_mortem": {
        "directive": N_("For directives after your death (French law, art. 85 loi Informatique et Libertés)"),
        "trusted_person": N_("The person who carries them out"),
        "trusted_email": N_("Their email address (they use it when they tell us of your death)"),
        "wish": N_("What should happen to your data"),
        "wishes": {
            "access": N_("Give that person a copy"),
            "erasure": N_("Erase it"),
            "as_written": N_("Follow the instructions below"),
        },
        "instructions": N_("Your instructions (optional)"),
        "revoke": N_("Revoke my directives instead"),
        "death": N_("To tell us of a death"),
        "deceased_email": N_("The email address of the person who died"),
        "deceased_name": N_("The name of the person who died (optional)"),
        "died_on": N_("Date of death"),
        "relationship": N_("You are"),
        "relationships": {
            "trusted_person": N_("The person named in their directives"),
            "heir": N_("An heir"),
        },
        "evidence": N_("The evidence you hold (for example a death certificate); we may ask for a copy"),
    },
    "submit": N_("Send request"),
    "code_title": N_("Enter your code"),
    "code_intro": N_("We sent a six-digit code to the email address you gave. It is valid for 15 minutes."),
    "code": N_("Code"),
    "verify": N_("Confirm"),
    "resend": N_("Send a new code"),
    "recipients": N_("Whom your data was disclosed to: we tell them of your request (Art. 19 GDPR)"),
    "status_title": N_("Request {reference}"),
    "status": N_("Status"),
    "statuses": {
        "awaiting_verification": N_("waiting for your code"),
        "in_progress": N_("in progress"),
        "completed": N_("answered"),
        "refused": N_("refused"),
    },
    "received": N_("Received"),
    "due": N_("We answer by"),
    "extended": N_("extended to"),
    "download": N_("Download the answer"),
    "available_until": N_("available until"),
    "history": N_("What has happened"),
}


@cache
def texts_in(language: str) -> dict[str, Any]:
    """The wording in `language`, from its catalogue."""
    return _translated(WORDING, language)


def _translated(wording: dict[str, Any], language: str) -> dict[str, Any]:
    return {
        key: _translated(inner, language) if isinstance(inner, dict) else gettext(language, inner)
        for key, inner in wording.items()
    }


def language_of(requested: str | None, accept_language: str | None) -> str:
    """The page's language: asked for explicitly, else the browser's first one we have, else English."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "en"
