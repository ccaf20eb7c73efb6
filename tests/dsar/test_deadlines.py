"""Art. 12(3) deadlines under Regulation 1182/71: month ends, leap years, weekends, public holidays."""

from __future__ import annotations

from datetime import date

import pytest

from dsar.deadlines import legal_deadline


@pytest.mark.parametrize(
    ("received", "country", "months", "due", "why"),
    [
        (date(2026, 3, 10), "DE", 1, date(2026, 4, 10), "same date next month (a Friday)"),
        (date(2027, 1, 31), "DE", 1, date(2027, 3, 1), "31 Jan -> 28 Feb 2027, a Sunday -> Monday 1 March"),
        (date(2028, 1, 31), "DE", 1, date(2028, 2, 29), "leap year: 31 Jan -> 29 Feb 2028, a Tuesday"),
        (date(2026, 5, 31), "DE", 1, date(2026, 6, 30), "31 May -> 30 June"),
        (date(2026, 10, 17), "DE", 1, date(2026, 11, 17), "Tuesday 17 November"),
        (date(2026, 10, 14), "NL", 1, date(2026, 11, 16), "Saturday 14 Nov -> Monday 16 Nov"),
        (date(2026, 11, 25), "DE", 1, date(2026, 12, 28), "25 Dec and 26 Dec (Sat) are holidays, 27 Sunday"),
        (date(2026, 11, 25), "GB", 1, date(2026, 12, 29), "England: 25 Dec, 28 Dec (Boxing Day substitute)"),
        (date(2026, 4, 8), "FR", 1, date(2026, 5, 11), "8 May (Friday) is a French holiday -> Monday"),
        (date(2026, 4, 8), "DE", 1, date(2026, 5, 8), "but a working day in Germany"),
        (date(2026, 4, 1), "FR", 1, date(2026, 5, 4), "1 May is Labour Day (Friday), then the weekend"),
        (date(2026, 4, 1), "DE", 1, date(2026, 5, 4), "the same in Germany"),
        (date(2026, 9, 3), "DE", 1, date(2026, 10, 5), "3 Oct, German Unity Day, is a Saturday"),
        (date(2026, 11, 30), "DE", 3, date(2027, 3, 1), "three months: 28 Feb 2027 is a Sunday"),
        (date(2027, 11, 30), "DE", 3, date(2028, 2, 29), "three months into a leap February"),
    ],
)
def test_legal_deadline(received: date, country: str, months: int, due: date, why: str) -> None:
    assert legal_deadline(received, months=months, country=country) == due, why


def test_a_country_without_known_holidays_still_skips_weekends() -> None:
    assert legal_deadline(date(2026, 10, 14), months=1, country="AQ") == date(2026, 11, 16)
