"""The emails of the request domain, in plain text. Personal data in them is what the person gave
us or must be told; staff reminders carry the reference only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dsar.schemas import DirectiveIn, DirectiveWish, RefusalIn, RefusalReason


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


CODE_TEXTS = {
    "en": (
        "Your code for request {reference}",
        "Your code is {code}. It is valid for 15 minutes.\n\n"
        "If you did not ask us about your personal data, ignore this message: nothing happens without the code.",
    ),
    "de": (
        "Ihr Code für Anfrage {reference}",
        "Ihr Code lautet {code}. Er ist 15 Minuten gültig.\n\n"
        "Wenn Sie uns nicht zu Ihren personenbezogenen Daten gefragt haben, ignorieren Sie diese Nachricht.",
    ),
    "fr": (
        "Votre code pour la demande {reference}",
        "Votre code est {code}. Il est valable 15 minutes.\n\n"
        "Si vous ne nous avez rien demandé sur vos données personnelles, ignorez ce message.",
    ),
    "nl": (
        "Uw code voor verzoek {reference}",
        "Uw code is {code}. Hij is 15 minuten geldig.\n\n"
        "Als u ons niets over uw persoonsgegevens hebt gevraagd, negeer dit bericht dan.",
    ),
}

REFUSAL_REASONS = {
    RefusalReason.NOT_VERIFIED: "we could not verify your identity (Art. 12(6) GDPR)",
    RefusalReason.MANIFESTLY_UNFOUNDED: "the request is manifestly unfounded (Art. 12(5) GDPR)",
    RefusalReason.EXCESSIVE: "the request is excessive, in particular because of its repetitive character (Art. 12(5))",
    RefusalReason.NO_DATA_FOUND: "we hold no personal data about you",
    RefusalReason.EXEMPTION_APPLIES: "an exemption under the GDPR or national law applies",
}


def verification_code(reference: str, code: str, language: str) -> Letter:
    subject, body = CODE_TEXTS.get(language, CODE_TEXTS["en"])
    return Letter(subject.format(reference=reference), body.format(code=code))


def extension(reference: str, reason: str, new_deadline: date) -> Letter:
    return Letter(
        f"Request {reference}: we need more time",
        f"We are extending the time to answer your request {reference} by two further months, as "
        f"Art. 12(3) GDPR allows for complex or numerous requests. You will have our answer by "
        f"{new_deadline.isoformat()} at the latest.\n\nWhy: {reason}",
    )


def refusal(reference: str, refusal: RefusalIn, authority: str | None) -> Letter:
    complain_to = authority or "the data protection supervisory authority of your country"
    return Letter(
        f"Request {reference}: our answer",
        f"We cannot act on your request {reference}: {REFUSAL_REASONS[refusal.reason]}.\n\n"
        f"{refusal.explanation}\n\n"
        f"You have the right to lodge a complaint with a supervisory authority ({complain_to}) and to "
        "seek a judicial remedy (Art. 12(4) GDPR).",
    )


def package_ready(reference: str, until: datetime, link: str) -> Letter:
    return Letter(
        f"Request {reference}: your answer is ready",
        f"The answer to your request {reference} is ready. Download it here until "
        f"{until.date().isoformat()}: {link}\n\nYou will need the code-verified access to your request.",
    )


DECISIONS = {
    "rectification": ("to correct your personal data", "Where we did not correct your data"),
    "objection": ("objecting to the use of your personal data", "Where the processing continues"),
    "restriction": ("to restrict the use of your personal data", ""),
    "withdrawal": ("to withdraw your consent", ""),
    "death_notice": ("telling us of a death", "As the answer goes against your request"),
}


def decisions_answered(
    reference: str, type: str, lines: list[str], *, contested: bool, authority: str | None
) -> Letter:
    """The decisions on a rectification (what was corrected where) or an objection (what stops,
    what continues and why), and the right to complain where one went against the person."""
    asked, where = DECISIONS[type]
    body = f"We have dealt with your request {reference} {asked}:\n\n"
    body += "\n".join(f"- {line}" for line in lines) or "- we hold no personal data about you that it concerns"
    if contested:
        complain_to = authority or "the data protection supervisory authority of your country"
        body += (
            f"\n\n{where}, you have the right to lodge a complaint with a supervisory authority "
            f"({complain_to}) and to seek a judicial remedy (Art. 12(4) GDPR)."
        )
    return Letter(f"Request {reference}: our answer", body)


def directives_kept(reference: str, directive: DirectiveIn) -> Letter:
    """The person's directives about their data after their death, as we will carry them out."""
    if directive.revoke:
        return Letter(
            f"Request {reference}: your directives are revoked",
            "Your directives about your personal data after your death are revoked. Without directives, your heirs "
            "may ask us to take your death into account (art. 85 II loi Informatique et Libertés).",
        )
    wish = DIRECTIVE_WISHES[directive.wish] if directive.wish else ""
    return Letter(
        f"Request {reference}: your directives are recorded",
        f"We have recorded your directives about your personal data after your death. When {directive.trusted_person} "
        f"tells us of your death, with evidence, we will {wish}."
        + (f"\n\nYour instructions: {directive.instructions}" if directive.instructions else "")
        + "\n\nYou can change or revoke them at any time from our request page; new directives replace these.",
    )


DIRECTIVE_WISHES = {
    DirectiveWish.ACCESS: "give them a copy of your data",
    DirectiveWish.ERASURE: "erase your data",
    DirectiveWish.AS_WRITTEN: "carry out your instructions",
}


def restriction_lifting(reference: str, *, lift_at: datetime, reason: str) -> Letter:
    """Art. 18(3): told before the restriction is lifted, with the reason and time to react."""
    return Letter(
        f"Request {reference}: we will lift the restriction on your data",
        f"The use of your personal data has been restricted since your request {reference}. We will lift "
        f"this restriction on {lift_at.date().isoformat()}.\n\nWhy: {reason}\n\n"
        "If you disagree, answer this message before then. You also have the right to lodge a complaint "
        "with a supervisory authority (Art. 77 GDPR).",
    )


def staff_reminder(reference: str, type: str, due: date, *, overdue: bool) -> Letter:
    state = "is overdue" if overdue else f"is due on {due.isoformat()}"
    return Letter(
        f"Reminder: {type} request {reference} {state}",
        f"The {type} request {reference} {state}. Open it in the console's request inbox.",
    )


MANUAL_TASKS = {
    "export": "export the data of",
    "erase": "erase the data of",
    "suppress": "stop processing (objection) the data of",
    "restrict": "restrict (Art. 18: keep, but do not otherwise use) the data of",
    "unrestrict": "lift the restriction on the data of",
}


def manual_task(reference: str, action: str, system: str) -> Letter:
    what = MANUAL_TASKS[action]
    return Letter(
        f"Task: {what} the person behind request {reference} in {system}",
        f"Request {reference} needs you to {what} one person in {system}, which the privacy toolkit cannot "
        "reach by itself. Open the request in the console to see who it is, then complete the step there "
        "(the data found, or what was done). The legal deadline runs: please do it within a few days.",
    )
