"""The notification document: what Art. 33(3) asks, in its order, ready to paste into the lead
authority's form or to attach, as JSON and as PDF, in the organisation's language."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from breaches.models import Breach
from breaches.schemas import BreachIn, Document
from privacy.pdf import render_pdf
from privacy.register import service as register
from privacy.templating import jinja_environment

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_OF_COUNTRY = {"DE": "de", "AT": "de", "LI": "de", "FR": "fr", "LU": "fr", "MC": "fr"}

LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Notification of a personal data breach (Art. 33 GDPR)",
        "reference": "Our reference",
        "controller": "Controller",
        "phase": {"initial": "Initial notification", "complement": "Additional information (Art. 33(4))"},
        "aware_at": "Became aware on",
        "period": "The breach lasted",
        "from_to": "from {start} to {end}",
        "a": "(a) Nature of the breach",
        "what": "What happened",
        "nature": "Kind",
        "natures": {
            "confidentiality": "confidentiality (disclosure or access)",
            "integrity": "integrity (alteration)",
            "availability": "availability (loss or destruction)",
        },
        "subjects": "Categories of data subjects",
        "people": "Approximate number of data subjects",
        "categories": "Categories of personal data",
        "records": "Approximate number of records",
        "b": "(b) Contact point for more information",
        "c": "(c) Likely consequences",
        "d": "(d) Measures taken or proposed",
        "taken": "Taken",
        "proposed": "Proposed",
        "delay": "Reasons for the delay (Art. 33(1))",
        "unknown": "not known yet",
        "prepared": "Prepared on {now} with the privacy toolkit.",
    },
    "de": {
        "title": "Meldung einer Verletzung des Schutzes personenbezogener Daten (Art. 33 DSGVO)",
        "reference": "Unser Aktenzeichen",
        "controller": "Verantwortlicher",
        "phase": {"initial": "Erstmeldung", "complement": "Ergänzende Informationen (Art. 33 Abs. 4)"},
        "aware_at": "Bekannt geworden am",
        "period": "Dauer der Verletzung",
        "from_to": "vom {start} bis {end}",
        "a": "(a) Art der Verletzung",
        "what": "Was geschehen ist",
        "nature": "Art",
        "natures": {
            "confidentiality": "Vertraulichkeit (Offenlegung oder Zugriff)",
            "integrity": "Integrität (Veränderung)",
            "availability": "Verfügbarkeit (Verlust oder Vernichtung)",
        },
        "subjects": "Kategorien betroffener Personen",
        "people": "Ungefähre Zahl der betroffenen Personen",
        "categories": "Kategorien personenbezogener Daten",
        "records": "Ungefähre Zahl der Datensätze",
        "b": "(b) Anlaufstelle für weitere Informationen",
        "c": "(c) Wahrscheinliche Folgen",
        "d": "(d) Ergriffene oder vorgeschlagene Maßnahmen",
        "taken": "Ergriffen",
        "proposed": "Vorgeschlagen",
        "delay": "Gründe für die Verzögerung (Art. 33 Abs. 1)",
        "unknown": "noch nicht bekannt",
        "prepared": "Erstellt am {now} mit dem Privacy Toolkit.",
    },
    "fr": {
        "title": "Notification d'une violation de données à caractère personnel (art. 33 RGPD)",
        "reference": "Notre référence",
        "controller": "Responsable du traitement",
        "phase": {"initial": "Notification initiale", "complement": "Informations complémentaires (art. 33.4)"},
        "aware_at": "Connaissance de la violation le",
        "period": "Durée de la violation",
        "from_to": "du {start} au {end}",
        "a": "(a) Nature de la violation",
        "what": "Ce qui s'est passé",
        "nature": "Type",
        "natures": {
            "confidentiality": "confidentialité (divulgation ou accès)",
            "integrity": "intégrité (altération)",
            "availability": "disponibilité (perte ou destruction)",
        },
        "subjects": "Catégories de personnes concernées",
        "people": "Nombre approximatif de personnes concernées",
        "categories": "Catégories de données à caractère personnel",
        "records": "Nombre approximatif d'enregistrements",
        "b": "(b) Point de contact pour plus d'informations",
        "c": "(c) Conséquences probables",
        "d": "(d) Mesures prises ou proposées",
        "taken": "Prises",
        "proposed": "Proposées",
        "delay": "Motifs du retard (art. 33.1)",
        "unknown": "pas encore connu",
        "prepared": "Établi le {now} avec le privacy toolkit.",
    },
}


async def notification_document(
    session: AsyncSession, *, row: Breach, phase: str, language: str | None, delay_reason: str | None, now: datetime
) -> Document:
    """The fields in the order of Art. 33(3)(a)-(d), with the labels of the language chosen (the
    organisation's, unless asked)."""
    organisation = await register.require_organisation(session)
    language = language if language in LABELS else LANGUAGE_OF_COUNTRY.get(organisation.country, "en")
    breach = BreachIn.model_validate(row.content)
    activities = [a for a in await register.list_activities(session) if a.key in breach.activities]
    categories = {category.key: category.label for category in await register.data_categories(session)}
    contact = organisation.dpo
    return {
        "language": language,
        "labels": LABELS[language],
        "reference": row.reference,
        "phase": phase,
        "controller": {
            "name": organisation.legal_name,
            "address": organisation.address,
            "country": organisation.country,
        },
        "aware_at": row.aware_at.isoformat(),
        "started_at": breach.started_at.isoformat() if breach.started_at else None,
        "ended_at": breach.ended_at.isoformat() if breach.ended_at else None,
        "a_nature": {
            "summary": breach.summary,
            "description": breach.description,
            "nature": [nature.value for nature in breach.nature],
            "data_subject_categories": sorted({s for a in activities for s in a.data_subject_categories}),
            "people_affected": breach.people_affected,
            "data_categories": [categories.get(key, key) for key in breach.data_categories],
            "records_affected": breach.records_affected,
        },
        "b_contact": {
            "name": contact.name if contact else organisation.legal_name,
            "email": contact.email if contact and contact.email else organisation.contact_email,
            "phone": contact.phone if contact else None,
        },
        "c_consequences": breach.consequences,
        "d_measures": {"taken": breach.measures_taken, "proposed": breach.measures_proposed},
        "delay_reason": delay_reason,
        "prepared_at": now.isoformat(),
    }


def document_pdf(document: Document) -> bytes:
    return render_pdf(jinja_environment([TEMPLATES]), "breaches/notification.html", {"d": document})
