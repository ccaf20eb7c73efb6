"""The Art. 30 record for auditors, as JSON, CSV and PDF, all built from one structure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from privacy.csvfile import csv_text
from privacy.domain import RecordAnnex
from privacy.i18n import country_name
from privacy.pdf import render_pdf
from privacy.register.schemas import (
    ActivityOut,
    ActivityRole,
    BasisScope,
    BasisUse,
    Contact,
    OrganisationProfile,
    Transfer,
)
from privacy.register.taxonomy import ARTICLE_9_CONDITION_LABELS, LAWFUL_BASIS_LABELS, SAFEGUARD_LABELS, category_label
from privacy.templating import jinja_environment

TEMPLATES = Path(__file__).parent / "templates"

# Art. 30(1)(a)-(g), in the column order of the CNIL, Belgian DPA and ICO templates; lawful basis
# and Art. 9 condition close the row as in those templates' accountability columns.
CONTROLLER_FIELDS: list[tuple[str, str]] = [
    ("controller", "(a) Controller and contact details"),
    ("joint_controllers", "(a) Joint controllers"),
    ("representative", "(a) Representative"),
    ("dpo", "(a) Data protection officer"),
    ("purposes", "(b) Purposes of the processing"),
    ("data_subject_categories", "(c) Categories of data subjects"),
    ("personal_data_categories", "(c) Categories of personal data"),
    ("recipients", "(d) Categories of recipients"),
    ("transfers", "(e) Transfers to third countries and safeguards"),
    ("retention", "(f) Time limits for erasure"),
    ("security_measures", "(g) Technical and organisational security measures"),
    ("lawful_bases", "Lawful bases (Art. 6(1)) and what each covers"),
    ("special_categories", "Special categories and Art. 9(2) condition"),
    ("dpia", "Data protection impact assessment (Art. 35)"),
]

# Art. 30(2)(a)-(d).
PROCESSOR_FIELDS: list[tuple[str, str]] = [
    ("processor", "(a) Processor and contact details"),
    ("controller", "(a) Controller on whose behalf the processor acts"),
    ("representative", "(a) Representative"),
    ("dpo", "(a) Data protection officer"),
    ("categories_of_processing", "(b) Categories of processing carried out"),
    ("transfers", "(c) Transfers to third countries and safeguards"),
    ("security_measures", "(d) Technical and organisational security measures"),
]

Value = str | list[str]


def build_record(
    organisation: OrganisationProfile,
    activities: list[ActivityOut],
    *,
    annexes: list[dict[str, Any]],
    generated_at: datetime,
) -> dict[str, Any]:
    controller = [a for a in activities if a.role is not ActivityRole.PROCESSOR]
    processor = [a for a in activities if a.role is ActivityRole.PROCESSOR]
    return {
        "generated_at": generated_at.isoformat(),
        "organisation": organisation.model_dump(mode="json"),
        "controller_activities": [_controller_entry(organisation, a) for a in controller],
        "processor_activities": [_processor_entry(organisation, a) for a in processor],
        "annexes": annexes,
    }


def annex_table(annex: RecordAnnex, entries: list[dict[str, Value]]) -> dict[str, Any]:
    columns = [{"field": field, "label": label} for field, label in annex.columns]
    return {"key": annex.key, "title": annex.title, "columns": columns, "entries": entries}


def _entry_head(activity: ActivityOut) -> dict[str, Value]:
    return {"key": activity.key, "name": activity.name, "version": str(activity.version)}


def _representatives(organisation: OrganisationProfile) -> list[str]:
    pairs = [("EU", organisation.eu_representative), ("UK", organisation.uk_representative)]
    return [f"{region}: {_contact(contact)}" for region, contact in pairs if contact]


def _controller_entry(organisation: OrganisationProfile, activity: ActivityOut) -> dict[str, Value]:
    return {
        **_entry_head(activity),
        "controller": _organisation_contact(organisation),
        "joint_controllers": [_contact(c) for c in activity.joint_controllers],
        "representative": _representatives(organisation),
        "dpo": _contact(organisation.dpo) if organisation.dpo else "",
        "purposes": activity.purpose,
        "data_subject_categories": activity.data_subject_categories,
        "personal_data_categories": [organisation.category_label(c) for c in activity.personal_data_categories],
        "recipients": activity.recipients,
        "transfers": [transfer_text(t) for t in activity.transfers],
        "retention": activity.retention,
        "security_measures": activity.security_measures,
        "lawful_bases": lawful_bases_text(activity, organisation),
        "special_categories": [
            f"{use.category.value.replace('_', ' ')} ("
            f"{ARTICLE_9_CONDITION_LABELS[use.condition.value] if use.condition else 'no Art. 9(2) condition'})"
            for use in activity.special_categories
        ],
        "dpia": dpia_text(activity),
    }


def _processor_entry(organisation: OrganisationProfile, activity: ActivityOut) -> dict[str, Value]:
    return {
        **_entry_head(activity),
        "processor": _organisation_contact(organisation),
        "controller": _contact(activity.controller) if activity.controller else "",
        "representative": _representatives(organisation),
        "dpo": _contact(organisation.dpo) if organisation.dpo else "",
        "categories_of_processing": activity.purpose,
        "transfers": [transfer_text(t) for t in activity.transfers],
        "security_measures": activity.security_measures,
    }


def _organisation_contact(organisation: OrganisationProfile) -> str:
    return f"{organisation.legal_name}, {organisation.address}, {organisation.contact_email}"


def _contact(contact: Contact) -> str:
    return ", ".join(part for part in (contact.name, contact.address, contact.email, contact.phone) if part)


def transfer_text(transfer: Transfer) -> str:
    safeguard = SAFEGUARD_LABELS[transfer.safeguard.value] if transfer.safeguard else "no safeguard recorded"
    recipient = f"{transfer.recipient}, " if transfer.recipient else ""
    return f"{recipient}{country_name(transfer.country)}: {safeguard}"


def dpia_text(activity: ActivityOut) -> str:
    dpia = activity.dpia
    reference = f", {dpia.reference}" if dpia.reference else ""
    review = f", to be reviewed by {dpia.review_on.isoformat()}" if dpia.review_on else ""
    return f"{dpia.status.value.replace('_', ' ').capitalize()}{reference}{review}"


def lawful_bases_text(activity: ActivityOut, organisation: OrganisationProfile | None) -> list[str]:
    label = organisation.category_label if organisation else category_label
    return [basis_text(use, label) for use in activity.lawful_bases]


def basis_text(use: BasisUse, label: Callable[[str], str]) -> str:
    """ "Legal obligation (Art. 6(1)(c)): Code of Commerce, art. L123-22, for invoices and tax records"."""
    detail = use.consent_purpose or use.legitimate_interest or use.legal_obligation
    text = f"{LAWFUL_BASIS_LABELS[use.basis.value]}: {detail}" if detail else LAWFUL_BASIS_LABELS[use.basis.value]
    scope = scope_text(use.covers, label)
    return f"{text}, for {scope}" if scope else text


def scope_text(covers: BasisScope, label: Callable[[str], str]) -> str:
    parts = [
        *covers.data_subjects,
        *(_lowered(label(category)) for category in covers.data_categories),
        *([f"in {', '.join(country_name(code) for code in covers.countries)}"] if covers.countries else []),
        *([covers.note] if covers.note else []),
    ]
    return "; ".join(parts)


def _lowered(label: str) -> str:
    """ "Technical identifiers (IP address...)" within a sentence: its first letter only."""
    return label[:1].lower() + label[1:]


def record_csv(record: dict[str, Any]) -> str:
    """One row per activity; controller rows fill the Art. 30(1) columns, processor rows Art. 30(2).
    Each annex follows after an empty row: its title, its header, its rows."""
    labels = [label for _, label in CONTROLLER_FIELDS] + [label for _, label in PROCESSOR_FIELDS]
    rows: list[list[Value]] = [["Record", "Reference", "Activity", "Version", *labels]]
    for entry in record["controller_activities"]:
        row = [entry[f] for f, _ in CONTROLLER_FIELDS] + ["" for _ in PROCESSOR_FIELDS]
        rows.append(["Art. 30(1) controller", entry["key"], entry["name"], entry["version"], *row])
    for entry in record["processor_activities"]:
        row = ["" for _ in CONTROLLER_FIELDS] + [entry[f] for f, _ in PROCESSOR_FIELDS]
        rows.append(["Art. 30(2) processor", entry["key"], entry["name"], entry["version"], *row])
    for annex in record["annexes"]:
        fields = [column["field"] for column in annex["columns"]]
        rows += [[], [annex["title"]], [column["label"] for column in annex["columns"]]]
        rows += [[entry[field] for field in fields] for entry in annex["entries"]]
    return csv_text(rows)


# Art. 30(1)(a) and 30(2)(a) name the organisation, its representatives and DPO: the same for every
# activity, so the PDF states them once on its cover, as the regulators' templates do.
ORGANISATION_WIDE = {"controller", "processor", "representative", "dpo"}


def record_pdf(record: dict[str, Any]) -> bytes:
    """Cover, contents with page numbers, controller activities, then processor activities."""
    context = {
        "record": record,
        "controller_fields": [(f, label) for f, label in CONTROLLER_FIELDS if f not in ORGANISATION_WIDE],
        "processor_fields": [
            (f, label) for f, label in PROCESSOR_FIELDS if f not in ORGANISATION_WIDE - {"controller"}
        ],
        "organisation_fields": _organisation_fields(record),
    }
    return render_pdf(jinja_environment([TEMPLATES]), "register/ropa.html", context)


def _organisation_fields(record: dict[str, Any]) -> list[tuple[str, Value]]:
    organisation = OrganisationProfile.model_validate(record["organisation"])
    return [
        ("(a) Controller, and processor for the Art. 30(2) activities", _organisation_contact(organisation)),
        ("(a) Representatives", _representatives(organisation)),
        ("(a) Data protection officer", _contact(organisation.dpo) if organisation.dpo else ""),
    ]
