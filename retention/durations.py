"""Durations as people read them: `P1Y6M` is "1 year and 6 months", a backup taken `P1D` is taken
"every day". The files and the API take ISO 8601 durations; nothing a person reads shows one."""

from __future__ import annotations

from decimal import Decimal

import isodate

UNITS = ("year", "month", "day", "hour", "minute", "second")


def _parts(duration: str) -> list[tuple[Decimal, str]]:
    """The duration's non-zero amounts by unit, largest first (weeks are counted in days)."""
    parsed = isodate.parse_duration(duration, as_timedelta_if_possible=False)
    seconds = parsed.tdelta.seconds
    amounts = [
        Decimal(str(parsed.years)),
        Decimal(str(parsed.months)),
        Decimal(parsed.tdelta.days),
        Decimal(seconds // 3600),
        Decimal(seconds % 3600 // 60),
        Decimal(seconds % 60),
    ]
    return [(amount, unit) for amount, unit in zip(amounts, UNITS, strict=True) if amount]


def _amount(amount: Decimal, unit: str) -> str:
    number = f"{amount.normalize():f}"
    return f"{number} {unit}{'' if amount == 1 else 's'}"


def duration_words(duration: str) -> str:
    """`P30D` is "30 days", `P1Y6M` "1 year and 6 months", `P1DT12H` "1 day and 12 hours"."""
    words = [_amount(amount, unit) for amount, unit in _parts(duration)] or ["no time"]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def every_words(duration: str) -> str:
    """How often: `PT1H` is "every hour", `PT6H` "every 6 hours", `P1M` "every month"."""
    parts = _parts(duration)
    if len(parts) == 1 and parts[0][0] == 1:
        return f"every {parts[0][1]}"
    return f"every {duration_words(duration)}"
