"""The emails of the breach register, in plain text. Reminders carry the reference and the line
that names the breach; a controller's letter what Art. 33(3) asks, as the team recorded it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def reminder(reference: str, summary: str, *, hours_left: float) -> Letter:
    if hours_left <= 0:
        state = f"is late by {_hours(-hours_left)}"
        then = "Notify the lead supervisory authority now, with the reasons for the delay (Art. 33(1) GDPR)"
    else:
        state = f"is due in {_hours(hours_left)}"
        then = "Notify the lead supervisory authority, or record why the breach is unlikely to result in a risk"
    return Letter(
        f"Breach {reference}: the notification {state}",
        f"The notification of breach {reference} ({summary}) {state}.\n\n{then}. "
        "Open the breach in the console's breach register.",
    )


def _hours(hours: float) -> str:
    whole = int(hours)
    return "less than an hour" if whole < 1 else f"{whole} hour{'s' if whole != 1 else ''}"


def to_controller(reference: str, content: dict[str, Any], *, processor: str) -> Letter:
    """Art. 33(2): the processor tells the controller without undue delay, with what it knows."""
    lines = [
        f"{processor}, processing personal data on your behalf, became aware of a personal data breach "
        f"(our reference {reference}) on {content['aware_at']}.",
        "",
        f"What happened: {content['summary']}",
    ]
    for label, key in (
        ("Details", "description"),
        ("Likely consequences", "consequences"),
        ("Measures taken", "measures_taken"),
        ("Measures proposed", "measures_proposed"),
    ):
        if content.get(key):
            lines.append(f"{label}: {content[key]}")
    for label, key in (("People affected (approximately)", "people_affected"), ("Records", "records_affected")):
        if content.get(key) is not None:
            lines.append(f"{label}: {content[key]}")
    lines += ["", "We will tell you more as we learn it (Art. 33(2) and (4) GDPR). Answer this message for questions."]
    return Letter(f"Personal data breach {reference} at {processor}", "\n".join(lines))


# Art. 34(2): in clear and plain language, the nature of the breach and at least what Art. 33(3)(b)-(d) name.
PERSON_TEXTS = {
    "en": {
        "subject": "Important: an incident concerning your personal data at {organisation}",
        "intro": "We are writing to tell you about an incident that concerns your personal data (Art. 34 GDPR).",
        "what": "What happened",
        "consequences": "What it may mean for you",
        "measures": "What we have done",
        "advice": "What you can do",
        "contact": "If you have questions, write to {name}: {email}.",
        "complaint": "You may also lodge a complaint with a data protection supervisory authority.",
    },
    "de": {
        "subject": "Wichtig: ein Vorfall, der Ihre personenbezogenen Daten bei {organisation} betrifft",
        "intro": "Wir informieren Sie über einen Vorfall, der Ihre personenbezogenen Daten betrifft (Art. 34 DSGVO).",
        "what": "Was geschehen ist",
        "consequences": "Was das für Sie bedeuten kann",
        "measures": "Was wir unternommen haben",
        "advice": "Was Sie tun können",
        "contact": "Bei Fragen schreiben Sie an {name}: {email}.",
        "complaint": "Sie können sich außerdem bei einer Datenschutz-Aufsichtsbehörde beschweren.",
    },
    "fr": {
        "subject": "Important : un incident concernant vos données personnelles chez {organisation}",
        "intro": "Nous vous informons d'un incident qui concerne vos données personnelles (art. 34 RGPD).",
        "what": "Ce qui s'est passé",
        "consequences": "Ce que cela peut signifier pour vous",
        "measures": "Ce que nous avons fait",
        "advice": "Ce que vous pouvez faire",
        "contact": "Pour toute question, écrivez à {name} : {email}.",
        "complaint": "Vous pouvez aussi introduire une réclamation auprès d'une autorité de protection des données.",
    },
}


def to_person(language: str, breach: Any, *, organisation: Any) -> Letter:
    """The letter to a person affected, in their language (the breach's own words are the team's)."""
    t = PERSON_TEXTS[language]
    contact = organisation.dpo
    name = contact.name if contact else organisation.legal_name
    email = contact.email if contact and contact.email else organisation.contact_email
    measures = " ".join(part for part in (breach.measures_taken, breach.measures_proposed) if part)
    sections = [t["intro"], f"{t['what']}: {breach.summary}"]
    sections += [
        f"{t[key]}: {text}"
        for key, text in (("consequences", breach.consequences), ("measures", measures), ("advice", breach.advice))
        if text
    ]
    sections += [t["contact"].format(name=name, email=email), t["complaint"]]
    return Letter(t["subject"].format(organisation=organisation.legal_name), "\n\n".join(sections))
