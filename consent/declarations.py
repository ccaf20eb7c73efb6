"""What each consent category declares it means, instead of its key: the Google Consent Mode
signals it grants and whether a browser privacy signal opts out of it. Resolved once per set-up
for the decision path, and checked for consistency before a set-up is saved."""

from __future__ import annotations

from dataclasses import dataclass

from consent.schemas import NECESSARY, Category, ConsentSetup, Signal
from privacy.errors import FieldError

# A category that declares no signals grants what its key meant before categories declared them.
SIGNALS_BY_KEY: dict[str, tuple[Signal, ...]] = {
    NECESSARY: (Signal.SECURITY_STORAGE,),
    "analytics": (Signal.ANALYTICS_STORAGE,),
    "advertising": (Signal.AD_STORAGE, Signal.AD_USER_DATA, Signal.AD_PERSONALIZATION),
}
AD_SIGNALS = frozenset({Signal.AD_STORAGE, Signal.AD_USER_DATA, Signal.AD_PERSONALIZATION})
# The necessary category runs without consent (ePrivacy Directive Art. 5(3): strictly necessary
# storage), so it may grant only the signals of such storage.
NECESSARY_MAY_GRANT = frozenset({Signal.SECURITY_STORAGE, Signal.FUNCTIONALITY_STORAGE})


def signals_of(category: Category) -> tuple[Signal, ...]:
    if category.consent_mode is not None:
        return tuple(category.consent_mode)
    return SIGNALS_BY_KEY.get(category.key, ())


def follows_gpc(category: Category) -> bool:
    """Whether Global Privacy Control opts out of the category: as declared, else when it grants an
    ad signal (the sale, sharing and targeted advertising the signal objects to)."""
    if category.gpc_opt_out is not None:
        return category.gpc_opt_out
    return bool(AD_SIGNALS.intersection(signals_of(category)))


@dataclass(frozen=True, slots=True)
class Declarations:
    """The set-up's declarations as the decision path and the banner read them."""

    signals: dict[str, str]  # each Consent Mode signal granted, and the one category granting it
    gpc_opt_out: tuple[str, ...]
    exempt: tuple[str, ...]


def declarations_of(setup: ConsentSetup) -> Declarations:
    signals: dict[str, str] = {}
    for category in setup.categories:
        for signal in signals_of(category):
            signals.setdefault(signal.value, category.key)
    return Declarations(
        signals=signals,
        gpc_opt_out=tuple(category.key for category in setup.categories if follows_gpc(category)),
        exempt=tuple(category.key for category in setup.categories if category.exempt),
    )


def declaration_problems(setup: ConsentSetup) -> list[FieldError]:
    """Each signal granted by one category (else granting one category and refusing the other
    would leave the signal undecided), and the necessary category granting only what needs no
    consent."""
    problems: list[FieldError] = []
    granted_by: dict[Signal, Category] = {}
    for index, category in enumerate(setup.categories):
        path = f"categories[{index}]"
        for signal in signals_of(category):
            first = granted_by.setdefault(signal, category)
            if first.key != category.key:
                problems.append(
                    FieldError(
                        f"{path}.consent_mode",
                        f"{signal} is already granted by '{first.key}'{_by_key(first)}: "
                        "each Consent Mode signal is granted by one category",
                    )
                )
        if category.key == NECESSARY:
            problems += _necessary_problems(category, path)
    return problems


def _by_key(category: Category) -> str:
    if category.consent_mode is not None:
        return ""
    return " (because of its key; declare its consent_mode to change that)"


def _necessary_problems(category: Category, path: str) -> list[FieldError]:
    problems = [
        FieldError(
            f"{path}.consent_mode",
            f"the necessary category is always on, so it cannot grant {signal}, which needs consent",
        )
        for signal in signals_of(category)
        if signal not in NECESSARY_MAY_GRANT
    ]
    if category.gpc_opt_out:
        problems.append(
            FieldError(f"{path}.gpc_opt_out", "the necessary category always runs: a privacy signal cannot turn it off")
        )
    if category.exempt:
        problems.append(
            FieldError(f"{path}.exempt", "the necessary category needs no consent: it cannot be exempt measurement")
        )
    return problems
