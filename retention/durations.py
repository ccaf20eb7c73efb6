"""How often, as people read it: a backup taken `P1D` is taken "every day" (durations themselves
are `privacy.i18n.duration_words`). The files and the API take ISO 8601 durations; nothing a
person reads shows one."""

from __future__ import annotations

from privacy.i18n import duration_parts, duration_words


def every_words(duration: str) -> str:
    """How often: `PT1H` is "every hour", `PT6H` "every 6 hours", `P1M` "every month"."""
    parts = duration_parts(duration)
    if len(parts) == 1 and parts[0][0] == 1:
        return f"every {parts[0][1]}"
    return f"every {duration_words(duration)}"
