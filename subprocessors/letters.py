"""The emails to subscribers of sub-processor changes, in plain text, in the language they
subscribed in, from the catalogues. What the organisation wrote (names, services, a change's
summary) is quoted as written."""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list

from privacy.i18n import N_, country_name, day_in_words, say
from subprocessors.models import SubProcessorChange

# The subscription page's buttons, which the emails name.
CONFIRM = N_("Confirm my subscription")
UNSUBSCRIBE = N_("Unsubscribe")


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def countries(codes: list[str], language: str) -> str:
    """ "Germany and Estonia", "Allemagne et Estonie"."""
    return format_list([country_name(code, language) for code in codes], locale=language) if codes else ""


def confirmation(link: str, language: str) -> Letter:
    return Letter(
        say(language, N_("Confirm your subscription to sub-processor changes")),
        say(
            language,
            N_(
                "Someone, hopefully you, asked to be told about changes to our list of sub-processors.\n\n"
                "To confirm, open this link and press “%(button)s”:\n%(link)s\n\n"
                "If it was not you, ignore this message: without confirmation you will receive nothing more."
            ),
            button=say(language, CONFIRM),
            link=link,
        ),
    )


def announcement(change: SubProcessorChange, *, list_url: str, unsubscribe_link: str, language: str) -> Letter:
    """A new sub-processor or one leaving, with the day it takes effect, the list, and a way out."""
    content = change.content
    values = {
        "name": str(content.get("name", change.key)),
        "service": str(content.get("service", "")),
        "purpose": str(content.get("purpose", "")),
        "places": countries(list(content.get("processing_locations", [])), language),
        "day": day_in_words(change.effective_on, language) if change.effective_on else "",
        "link": list_url,
    }
    if change.kind == "announced":
        subject = say(language, N_("New sub-processor from %(day)s: %(name)s"), **values)
        first = N_(
            "From %(day)s we will use a new sub-processor: %(name)s, for %(service)s (%(purpose)s), processing "
            "data in %(places)s.\n\nIf you object to this change, you can tell us until %(day)s on %(link)s."
        )
    else:
        subject = say(language, N_("Sub-processor leaving on %(day)s: %(name)s"), **values)
        first = N_("From %(day)s we will no longer use %(name)s (%(service)s).")
    paragraphs = [
        say(language, first, **values),
        *([change.summary] if change.summary else []),
        say(language, N_("The full list and its history: %(link)s"), link=list_url),
        say(
            language,
            N_("To stop these messages, open this link and press “%(button)s”:\n%(link)s"),
            button=say(language, UNSUBSCRIBE),
            link=unsubscribe_link,
        ),
    ]
    return Letter(subject, "\n\n".join(paragraphs))
