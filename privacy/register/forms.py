"""Console forms: flat fields and one-item-per-line text areas, to and from the schemas."""

from __future__ import annotations

from typing import Any

from privacy.register.schemas import ActivityIn, BasisUse, CustomCategory, OrganisationProfile, Transfer

SEPARATOR = "|"


def _text(form: dict[str, Any], name: str) -> str:
    value = form.get(name, "")
    return str(value[-1] if isinstance(value, list) else value).strip()


def _optional(form: dict[str, Any], name: str) -> str | None:
    return _text(form, name) or None


def _lines(form: dict[str, Any], name: str) -> list[str]:
    return [line.strip() for line in _text(form, name).splitlines() if line.strip()]


def _columns(line: str, count: int) -> list[str | None]:
    parts = [part.strip() or None for part in line.split(SEPARATOR)]
    return (parts + [None] * count)[:count]


def _contact(form: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    name = _text(form, f"{prefix}_name")
    if not name:
        return None
    return {"name": name, "email": _optional(form, f"{prefix}_email"), "address": _optional(form, f"{prefix}_address")}


def _number(form: dict[str, Any], name: str) -> int | str | None:
    """A whole number as typed, else the text itself, for the schema to refuse with its message."""
    typed = _text(form, name)
    return int(typed) if typed.isdigit() else typed or None


def activity_from_form(form: dict[str, Any]) -> ActivityIn:
    special = [_columns(line, 2) for line in _lines(form, "special_categories")]
    transfers = [_columns(line, 3) for line in _lines(form, "transfers")]
    return ActivityIn.model_validate(
        {
            "key": _text(form, "key"),
            "name": _text(form, "name"),
            "position": _number(form, "position"),
            "purpose": _text(form, "purpose"),
            "description": _text(form, "description"),
            "role": _text(form, "role") or "controller",
            "controller": _contact(form, "controller"),
            "joint_controllers": [{"name": name} for name in _lines(form, "joint_controllers")],
            "data_subject_categories": _lines(form, "data_subject_categories"),
            "personal_data_categories": _lines(form, "personal_data_categories"),
            "special_categories": [{"category": c, "condition": condition} for c, condition in special],
            "lawful_bases": _bases_from_form(form),
            "direct_marketing": TRISTATE.get(_text(form, "direct_marketing")),
            "recipients": _lines(form, "recipients"),
            "transfers": [
                {"country": country, "safeguard": safeguard, "recipient": recipient}
                for country, safeguard, recipient in transfers
            ],
            "retention": _text(form, "retention"),
            "security_measures": _lines(form, "security_measures"),
            "source": _text(form, "source"),
            "automated_decisions": {
                "used": _text(form, "automated_decisions_used") == "yes",
                "logic": _optional(form, "automated_decisions_logic"),
            },
            "dpia": {
                "status": _text(form, "dpia_status") or "not_assessed",
                "reference": _optional(form, "dpia_reference"),
            },
        }
    )


def activity_to_form(activity: ActivityIn) -> dict[str, str]:
    controller = activity.controller
    return {
        "key": activity.key,
        "name": activity.name,
        "position": "" if activity.position is None else str(activity.position),
        "purpose": activity.purpose,
        "description": activity.description,
        "role": activity.role.value,
        "controller_name": controller.name if controller else "",
        "controller_email": (controller.email or "") if controller else "",
        "controller_address": (controller.address or "") if controller else "",
        "joint_controllers": "\n".join(c.name for c in activity.joint_controllers),
        "data_subject_categories": "\n".join(activity.data_subject_categories),
        "personal_data_categories": "\n".join(activity.personal_data_categories),
        "special_categories": "\n".join(
            f"{u.category.value} {SEPARATOR} {u.condition.value if u.condition else ''}".strip(" |")
            for u in activity.special_categories
        ),
        **_bases_to_form(activity.lawful_bases),
        "direct_marketing": {True: "yes", False: "no", None: ""}[activity.direct_marketing],
        "recipients": "\n".join(activity.recipients),
        "transfers": "\n".join(_transfer_line(t) for t in activity.transfers),
        "retention": activity.retention,
        "security_measures": "\n".join(activity.security_measures),
        "source": activity.source,
        "automated_decisions_used": "yes" if activity.automated_decisions.used else "",
        "automated_decisions_logic": activity.automated_decisions.logic or "",
        "dpia_status": activity.dpia.status.value,
        "dpia_reference": activity.dpia.reference or "",
    }


TRISTATE = {"yes": True, "no": False}
BASIS_SPECIFICS = ("consent_purpose", "legitimate_interest", "balancing_test", "legal_obligation")


def basis_rows(form: dict[str, Any]) -> int:
    """How many bases the form shows: those the activity has, and one more to add."""
    filled = [index for index in range(MAX_BASES) if form.get(f"basis_{index}")]
    return min(MAX_BASES, (max(filled) + 2) if filled else 1)


MAX_BASES = 10


def _bases_from_form(form: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "basis": _text(form, f"basis_{index}"),
            "covers": {
                "data_subjects": _lines(form, f"basis_{index}_subjects"),
                "data_categories": _lines(form, f"basis_{index}_categories"),
                "countries": [
                    code.strip().upper() for code in _text(form, f"basis_{index}_countries").split(",") if code.strip()
                ],
                "note": _text(form, f"basis_{index}_note"),
            },
            **{name: _optional(form, f"basis_{index}_{name}") for name in BASIS_SPECIFICS},
        }
        for index in range(MAX_BASES)
        if _text(form, f"basis_{index}")
    ]


def _bases_to_form(bases: list[BasisUse]) -> dict[str, str]:
    form: dict[str, str] = {}
    for index, use in enumerate(bases):
        form[f"basis_{index}"] = use.basis.value
        form[f"basis_{index}_subjects"] = "\n".join(use.covers.data_subjects)
        form[f"basis_{index}_categories"] = "\n".join(use.covers.data_categories)
        form[f"basis_{index}_countries"] = ", ".join(use.covers.countries)
        form[f"basis_{index}_note"] = use.covers.note
        form.update({f"basis_{index}_{name}": getattr(use, name) or "" for name in BASIS_SPECIFICS})
    return form


def organisation_from_form(form: dict[str, Any], current: OrganisationProfile | None) -> OrganisationProfile:
    """The profile the form gives; what the form does not show (the applications' keys, category
    labels in other languages than English, the authorities, the logo) is kept from `current`."""
    kept = {category.key: category.labels for category in current.custom_data_categories} if current else {}
    profile = OrganisationProfile.model_validate(
        {
            "legal_name": _text(form, "legal_name"),
            "address": _text(form, "address"),
            "country": _text(form, "country"),
            "contact_email": _text(form, "contact_email"),
            "dpo": _contact(form, "dpo"),
            "eu_representative": _contact(form, "eu_representative"),
            "uk_representative": _contact(form, "uk_representative"),
            "lead_supervisory_authority": _optional(form, "lead_supervisory_authority"),
            "custom_data_categories": [_custom_category(line, kept) for line in _lines(form, "custom_data_categories")],
            "rights_channels": {name: _optional(form, f"rights_{name}") for name in RIGHTS_CHANNELS},
            "accent_colour": _optional(form, "accent_colour"),
            **_languages(form, current),
        }
    )
    if current is None:
        return profile
    return profile.model_copy(update={name: getattr(current, name) for name in ORGANISATION_KEPT})


RIGHTS_CHANNELS = ("account_settings", "email", "department", "postal_address")
ORGANISATION_KEPT = ("applications", "supervisory_authorities", "logo")


def _languages(form: dict[str, Any], current: OrganisationProfile | None) -> dict[str, Any]:
    """The public pages' languages ticked, and the default; as they were when none is ticked."""
    ticked = form.get("languages") or []
    languages = [ticked] if isinstance(ticked, str) else list(ticked)
    if not languages:
        return {"languages": current.languages, "default_language": current.default_language} if current else {}
    return {"languages": languages, "default_language": _text(form, "default_language") or languages[0]}


def _custom_category(line: str, kept: dict[str, dict[str, str]]) -> dict[str, Any]:
    """One line of the form: "key | English label | description"."""
    key, label, description = _columns(line, 3)
    labels = {**kept.get(key or "", {}), **({"en": label} if label else {})}
    return {"key": key, "labels": labels, "description": description or ""}


def organisation_to_form(profile: OrganisationProfile | None) -> dict[str, Any]:
    if profile is None:
        return {}
    form: dict[str, Any] = {
        "languages": list(profile.languages),
        "default_language": profile.default_language,
        "legal_name": profile.legal_name,
        "address": profile.address,
        "country": profile.country,
        "contact_email": profile.contact_email,
        "lead_supervisory_authority": profile.lead_supervisory_authority or "",
        "accent_colour": profile.accent_colour or "",
        **{f"rights_{name}": getattr(profile.rights_channels, name) or "" for name in RIGHTS_CHANNELS},
        "custom_data_categories": "\n".join(_custom_category_line(c) for c in profile.custom_data_categories),
    }
    for prefix in ("dpo", "eu_representative", "uk_representative"):
        contact = getattr(profile, prefix)
        form[f"{prefix}_name"] = contact.name if contact else ""
        form[f"{prefix}_email"] = (contact.email or "") if contact else ""
        form[f"{prefix}_address"] = (contact.address or "") if contact else ""
    return form


def _custom_category_line(category: CustomCategory) -> str:
    label = category.labels.get("en", "")
    return f"{category.key} {SEPARATOR} {label} {SEPARATOR} {category.description}".rstrip(" |")


def _transfer_line(transfer: Transfer) -> str:
    safeguard = transfer.safeguard.value if transfer.safeguard else ""
    return f"{transfer.country} {SEPARATOR} {safeguard} {SEPARATOR} {transfer.recipient or ''}".rstrip(" |")
