"""Calendar months, as the law counts them (Regulation (EEC, Euratom) No 1182/71, Art. 3(2)(c)): a
period of months ends on the same date of the later month, or on that month's last day where the
date does not exist (31 January + 1 month -> 28 or 29 February)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import TypeVar

Moment = TypeVar("Moment", date, datetime)


def add_months(start: Moment, months: int) -> Moment:
    """The same date `months` later (a time of day stays as it is), or that month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
