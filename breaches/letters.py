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
