"""The emails of the request domain, in plain text: a person's in the language of their request,
from the catalogues; staff's in English. Personal data in them is what the person gave us or must
be told; staff reminders carry the reference only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from dsar.schemas import DirectiveIn, DirectiveWish, RefusalIn, RefusalReason
from privacy.i18n import N_, day_in_words, say


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


ANSWER = N_("Request %(reference)s: our answer")
YOUR_AUTHORITY = N_("the data protection supervisory authority of your country")


def verification_code(reference: str, code: str, language: str) -> Letter:
    return Letter(
        say(language, N_("Your code for request %(reference)s"), reference=reference),
        say(
            language,
            N_(
                "Your code is %(code)s. It is valid for 15 minutes.\n\nIf you did not ask us about your personal "
                "data, ignore this message: nothing happens without the code."
            ),
            code=code,
        ),
    )


def extension(reference: str, reason: str, new_deadline: date, language: str) -> Letter:
    return Letter(
        say(language, N_("Request %(reference)s: we need more time"), reference=reference),
        say(
            language,
            N_(
                "We are extending the time to answer your request %(reference)s by two further months, as "
                "Art. 12(3) GDPR allows for complex or numerous requests. You will have our answer by "
                "%(deadline)s at the latest.\n\nWhy: %(reason)s"
            ),
            reference=reference,
            deadline=day_in_words(new_deadline, language),
            reason=reason,
        ),
    )


REFUSAL_REASONS = {
    RefusalReason.NOT_VERIFIED: N_("we could not verify your identity (Art. 12(6) GDPR)"),
    RefusalReason.MANIFESTLY_UNFOUNDED: N_("the request is manifestly unfounded (Art. 12(5) GDPR)"),
    RefusalReason.EXCESSIVE: N_(
        "the request is excessive, in particular because of its repetitive character (Art. 12(5) GDPR)"
    ),
    RefusalReason.NO_DATA_FOUND: N_("we hold no personal data about you"),
    RefusalReason.EXEMPTION_APPLIES: N_("an exemption under the GDPR or national law applies"),
}


def refusal(reference: str, refusal: RefusalIn, authority: str | None, language: str) -> Letter:
    return Letter(
        say(language, ANSWER, reference=reference),
        say(
            language,
            N_(
                "We cannot act on your request %(reference)s: %(reason)s.\n\n%(explanation)s\n\nYou have the "
                "right to lodge a complaint with a supervisory authority (%(authority)s) and to seek a judicial "
                "remedy (Art. 12(4) GDPR)."
            ),
            reference=reference,
            reason=say(language, REFUSAL_REASONS[refusal.reason]),
            explanation=refusal.explanation,
            authority=authority or say(language, YOUR_AUTHORITY),
        ),
    )


def package_ready(reference: str, until: datetime, link: str, language: str) -> Letter:
    return Letter(
        say(language, N_("Request %(reference)s: your answer is ready"), reference=reference),
        say(
            language,
            N_(
                "The answer to your request %(reference)s is ready. Download it here until %(until)s: "
                "%(link)s\n\nYou will need the code-verified access to your request."
            ),
            reference=reference,
            until=day_in_words(until, language),
            link=link,
        ),
    )


DECISIONS = {
    "rectification": N_("We have dealt with your request %(reference)s to correct your personal data:"),
    "objection": N_("We have dealt with your request %(reference)s objecting to the use of your personal data:"),
    "restriction": N_("We have dealt with your request %(reference)s to restrict the use of your personal data:"),
    "withdrawal": N_("We have dealt with your request %(reference)s to withdraw your consent:"),
    "death_notice": N_("We have dealt with your request %(reference)s telling us of a death:"),
}
CONTESTED = N_(
    "Where the answer goes against your request, you have the right to lodge a complaint with a supervisory "
    "authority (%(authority)s) and to seek a judicial remedy (Art. 12(4) GDPR)."
)


def decisions_answered(
    reference: str, type: str, lines: list[str], *, contested: bool, authority: str | None, language: str
) -> Letter:
    """The decisions on a rectification (what was corrected where) or an objection (what stops,
    what continues and why), and the right to complain where one went against the person."""
    body = say(language, DECISIONS[type], reference=reference) + "\n\n"
    nothing = say(language, N_("we hold no personal data about you that it concerns"))
    body += "\n".join(f"- {line}" for line in lines) or f"- {nothing}"
    if contested:
        body += "\n\n" + say(language, CONTESTED, authority=authority or say(language, YOUR_AUTHORITY))
    return Letter(say(language, ANSWER, reference=reference), body)


DIRECTIVE_WISHES = {
    DirectiveWish.ACCESS: N_("give them a copy of your data"),
    DirectiveWish.ERASURE: N_("erase your data"),
    DirectiveWish.AS_WRITTEN: N_("carry out your instructions"),
}


def directives_kept(reference: str, directive: DirectiveIn, language: str) -> Letter:
    """The person's directives about their data after their death, as we will carry them out."""
    if directive.revoke:
        return Letter(
            say(language, N_("Request %(reference)s: your directives are revoked"), reference=reference),
            say(
                language,
                N_(
                    "Your directives about your personal data after your death are revoked. Without directives, "
                    "your heirs may ask us to take your death into account (art. 85 II loi Informatique et "
                    "Libertés)."
                ),
            ),
        )
    body = say(
        language,
        N_(
            "We have recorded your directives about your personal data after your death. When %(person)s "
            "tells us of your death, with evidence, we will %(wish)s."
        ),
        person=directive.trusted_person or "",
        wish=say(language, DIRECTIVE_WISHES[directive.wish]) if directive.wish else "",
    )
    if directive.instructions:
        body += "\n\n" + say(language, N_("Your instructions: %(text)s"), text=directive.instructions)
    body += "\n\n" + say(
        language,
        N_("You can change or revoke them at any time from our request page; new directives replace these."),
    )
    return Letter(say(language, N_("Request %(reference)s: your directives are recorded"), reference=reference), body)


def restriction_lifting(reference: str, *, lift_at: datetime, reason: str, language: str) -> Letter:
    """Art. 18(3): told before the restriction is lifted, with the reason and time to react."""
    return Letter(
        say(language, N_("Request %(reference)s: we will lift the restriction on your data"), reference=reference),
        say(
            language,
            N_(
                "The use of your personal data has been restricted since your request %(reference)s. We will "
                "lift this restriction on %(day)s.\n\nWhy: %(reason)s\n\nIf you disagree, answer this message "
                "before then. You also have the right to lodge a complaint with a supervisory authority "
                "(Art. 77 GDPR)."
            ),
            reference=reference,
            day=day_in_words(lift_at, language),
            reason=reason,
        ),
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
