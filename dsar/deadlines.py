"""Legal deadlines for answering requests: Art. 12(3) GDPR, counted under Regulation (EEC,
Euratom) No 1182/71, Art. 3."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

from privacy.months import add_months


@cache
def _public_holidays(country: str, year: int) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:  # a country the package does not know: weekends still count
        return holidays.HolidayBase()


def is_working_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(country, day.year)


def legal_deadline(received: date, *, months: int, country: str) -> date:
    """The last day to answer a request received on `received`. The day of receipt is not counted
    (Art. 3(1)); a period in months ends on the same date of the later month (Art. 3(2)(c)); a
    deadline on a Saturday, Sunday or public holiday of the controller's country moves to the next
    working day (Art. 3(4))."""
    deadline = add_months(received, months)
    while not is_working_day(deadline, country):
        deadline += timedelta(days=1)
    return deadline
