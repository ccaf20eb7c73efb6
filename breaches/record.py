"""The breach register as an annex of the Art. 30 record: one line per breach, what an auditor
checks (Art. 33(5): the facts, the effects, the remedial action, the decisions and their reasons),
without the handler's name or the free description, where people may be named."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from breaches import communication
from breaches.models import Breach, BreachNotification
from breaches.schemas import ClockState, NoCommunication, PeopleTold
from breaches.service import clock_of, list_breaches, notification_due, notifications_of
from privacy.domain import RecordAnnex
from privacy.register import service as register

Line = dict[str, str | list[str]]

NATURES = {
    "confidentiality": "Confidentiality (disclosure or access)",
    "integrity": "Integrity (alteration)",
    "availability": "Availability (loss or destruction)",
}
EXCEPTIONS = {
    NoCommunication.UNINTELLIGIBLE: "Art. 34(3)(a), the data is unintelligible to others",
    NoCommunication.RISK_NO_LONGER_LIKELY: "Art. 34(3)(b), the high risk no longer arises",
    NoCommunication.PUBLIC_COMMUNICATION: "Art. 34(3)(c), a public communication instead",
}
COLUMNS = [
    ("reference", "Reference"),
    ("summary", "What happened"),
    ("aware_at", "Became aware (UTC)"),
    ("period", "Lasted"),
    ("nature", "Nature"),
    ("activities", "Activities"),
    ("data_categories", "Categories of personal data"),
    ("numbers", "Approximate numbers"),
    ("consequences", "Likely consequences"),
    ("measures", "Measures taken and proposed"),
    ("authority", "Lead supervisory authority (Art. 33)"),
    ("people", "People affected told (Art. 34)"),
]


async def breach_lines(session: AsyncSession, now: datetime) -> list[Line]:
    activities = {activity.key: activity.name for activity in await register.list_activities(session)}
    categories = {category.key: category.label for category in await register.data_categories(session)}
    lines: list[Line] = []
    for row in await list_breaches(session):
        content = row.content
        notifications = await notifications_of(session, breach=row)
        told = await communication.people_told(session, row=row)
        lines.append(
            {
                "reference": row.reference,
                "summary": content["summary"],
                "aware_at": _minute(row.aware_at),
                "period": _period(content),
                "nature": [NATURES[nature] for nature in content["nature"]],
                "activities": [activities.get(key, key) for key in content["activities"]],
                "data_categories": [categories.get(key, key) for key in content["data_categories"]],
                "numbers": _numbers(content),
                "consequences": content.get("consequences") or "",
                "measures": [
                    text for text in (content.get("measures_taken"), content.get("measures_proposed")) if text
                ],
                "authority": _authority(row, notifications, now=now),
                "people": _people(content, told=told),
            }
        )
    return lines


def _minute(moment: datetime | str) -> str:
    text = moment if isinstance(moment, str) else moment.isoformat()
    return f"{text[:10]} {text[11:16]}"


def _period(content: dict[str, object]) -> str:
    started, ended = content.get("started_at"), content.get("ended_at")
    if not started:
        return "start not known yet"
    return f"from {_minute(str(started))} to {_minute(str(ended)) if ended else 'not ended yet'}"


def _numbers(content: dict[str, object]) -> str:
    people, records = content.get("people_affected"), content.get("records_affected")
    return "; ".join(
        [
            "people not known yet" if people is None else f"{people} people",
            "records not known yet" if records is None else f"{records} records",
        ]
    )


def _authority(row: Breach, notifications: list[BreachNotification], *, now: datetime) -> str:
    sent = [item for item in notifications if item.recipient == "authority"]
    if sent:
        first = sent[0]
        reference = f" (their reference {first.authority_reference})" if first.authority_reference else ""
        late = ", late, with the reasons for the delay" if first.late else ""
        complements = len(sent) - 1
        more = f"; {complements} complement{'s' if complements > 1 else ''} since" if complements else ""
        return f"{first.name} notified on {_minute(first.sent_at)} UTC{reference}{late}{more}"
    if row.content.get("notify_authority") is False:
        return f"not notified: {row.content['no_notification_reason']}"
    state, _ = clock_of(row, notifications, now=now)
    late = ", late" if state is ClockState.LATE else ""
    return f"not notified yet: due {_minute(notification_due(row.aware_at))} UTC{late}"


def _people(content: dict[str, object], *, told: PeopleTold) -> str:
    exception = content.get("no_communication")
    if exception:
        return f"not told: {EXCEPTIONS[NoCommunication(str(exception))]}. {content['no_communication_reason']}"
    if content.get("high_risk"):
        if not told.queued:
            return "high risk, to be told: no letter queued yet"
        return f"high risk, told: {told.queued} letters, {told.sent} delivered, {told.failed} not delivered"
    if content.get("high_risk") is False:
        return "no high risk to them: not required"
    return "not decided yet"


BREACH_REGISTER = RecordAnnex(key="breaches", title="Breach register (Art. 33(5))", columns=COLUMNS, rows=breach_lines)
