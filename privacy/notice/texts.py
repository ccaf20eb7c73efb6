"""The privacy notice's fixed wording in English and German; the records supply the rest."""

from __future__ import annotations

from typing import Any

NOTICE_LANGUAGES = ("en", "de")

NOTICE_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Privacy notice",
        "last_updated": "Last updated",
        "version": "version",
        "intro": "This notice explains what personal data {name} processes, why, on what legal basis, who receives it, "
        "how long it is kept and what rights you have.",
        "who": "Who we are and how to reach us",
        "controller": "{name} is responsible for the processing of your personal data (the controller).",
        "address": "Address",
        "email": "Email",
        "dpo": "Data protection officer",
        "eu_representative": "Representative in the EU (Art. 27)",
        "uk_representative": "Representative in the United Kingdom",
        "collect": "What data we collect",
        "purposes": "Why we process your data and on what legal basis",
        "purpose": "Purpose",
        "data": "Data",
        "basis": "Legal basis",
        "interest": "Our legitimate interest",
        "basis_for": "For",
        "bases": {
            "consent": "Your consent (Art. 6(1)(a) GDPR); you may withdraw it at any time",
            "contract": "Performing our contract with you (Art. 6(1)(b) GDPR)",
            "legal_obligation": "A legal obligation (Art. 6(1)(c) GDPR)",
            "vital_interests": "Vital interests (Art. 6(1)(d) GDPR)",
            "public_task": "A task in the public interest (Art. 6(1)(e) GDPR)",
            "legitimate_interests": "Our legitimate interests (Art. 6(1)(f) GDPR)",
        },
        "sharing": "Who we share your data with",
        "recipients": "Categories of recipients:",
        "subprocessors": "Service providers who process data on our behalf (sub-processors):",
        "subprocessor_list": "The full list, with its changes, is at",
        "where": "Processing locations",
        "transfers": "International transfers",
        "transfers_intro": "Some recipients process data outside the European Economic Area. Each such transfer is "
        "protected as follows:",
        "no_transfers": "We do not transfer personal data outside the European Economic Area.",
        "country": "Country",
        "recipient": "Recipient",
        "safeguard": "Safeguard",
        "safeguards": {
            "adequacy": "adequacy decision of the European Commission (Art. 45 GDPR)",
            "eu_us_data_privacy_framework": "EU-US Data Privacy Framework",
            "sccs_2021_914": "Standard Contractual Clauses (Commission Decision (EU) 2021/914)",
            "binding_corporate_rules": "binding corporate rules (Art. 47 GDPR)",
            "code_of_conduct": "approved code of conduct",
            "certification": "approved certification",
            "art_49_derogation": "derogation for a specific situation (Art. 49 GDPR)",
            "not_needed": "none needed",
            "": "to be documented",
        },
        "retention": "How long we keep your data",
        "retention_rules": "Automatic deletion rules we apply:",
        "period_from": "{period} from {event}",
        "events": {
            "collected": "collection",
            "last_contact": "our last contact",
            "contract_end": "the end of the contract",
            "replied": "our reply",
        },
        "cookies": "Cookies and similar technologies",
        "cookies_intro": "Cookies that are not strictly necessary are used only with your consent where the law "
        'requires it; you can change your choice at any time with the "Privacy choices" link on our website.',
        "cookie": "Cookie",
        "duration": "Duration",
        "set_by": "Set by",
        "first_party": "us",
        "third_party": "a third party",
        "no_cookies": "We use no cookies beyond those strictly necessary.",
        "rights": "Your rights",
        "rights_list": [
            "to access your data and receive a copy (Art. 15 GDPR);",
            "to have inaccurate data corrected (Art. 16 GDPR);",
            "to have your data erased (Art. 17 GDPR);",
            "to restrict the processing (Art. 18 GDPR);",
            "to receive data you gave us in a portable format (Art. 20 GDPR);",
            "to object to processing based on legitimate interests or for direct marketing (Art. 21 GDPR);",
            "to withdraw consent at any time, without affecting what was done before (Art. 7(3) GDPR).",
        ],
        "post_mortem_right": "You may also leave directives on what becomes of your data after your death, naming a "
        "person to carry them out, and change or revoke them at any time (art. 85 loi Informatique et Libertés).",
        "rights_how": "Make a request on our request page; we answer within one month of receiving it. Where a request "
        "is complex or we receive many, we may extend this by two further months and will tell you why within the "
        "first month.",
        "request_page": "request page",
        "complaint": "Your right to complain",
        "complaint_text": "You have the right to lodge a complaint with a supervisory authority, in particular in the "
        "EU member state of your habitual residence, place of work or of the alleged infringement (Art. 77 GDPR).",
        "lead_authority": "Our lead supervisory authority is {authority}.",
        "automated": "Automated decisions",
        "no_automated": "We do not make decisions based solely on automated processing that produce legal effects "
        "concerning you or similarly significantly affect you (Art. 22 GDPR).",
        "changes": "Changes to this notice",
        "changes_intro": "We update this notice when our processing changes. Where a change is material, we ask for "
        "your consent again where it is needed. Revision history:",
        "not_published": "No privacy notice has been published yet.",
    },
    "de": {
        "title": "Datenschutzerklärung",
        "last_updated": "Zuletzt aktualisiert",
        "version": "Version",
        "intro": "Diese Erklärung beschreibt, welche personenbezogenen Daten {name} verarbeitet, zu welchen Zwecken, "
        "auf welcher Rechtsgrundlage, an wen sie gehen, wie lange sie gespeichert werden und welche Rechte Sie haben.",
        "who": "Wer wir sind und wie Sie uns erreichen",
        "controller": "Verantwortlich für die Verarbeitung Ihrer personenbezogenen Daten ist {name}.",
        "address": "Anschrift",
        "email": "E-Mail",
        "dpo": "Datenschutzbeauftragte(r)",
        "eu_representative": "Vertreter in der EU (Art. 27 DSGVO)",
        "uk_representative": "Vertreter im Vereinigten Königreich",
        "collect": "Welche Daten wir erheben",
        "purposes": "Zwecke und Rechtsgrundlagen der Verarbeitung",
        "purpose": "Zweck",
        "data": "Daten",
        "basis": "Rechtsgrundlage",
        "interest": "Unser berechtigtes Interesse",
        "basis_for": "Für",
        "bases": {
            "consent": "Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO); Sie können sie jederzeit widerrufen",
            "contract": "Erfüllung unseres Vertrags mit Ihnen (Art. 6 Abs. 1 lit. b DSGVO)",
            "legal_obligation": "Eine rechtliche Verpflichtung (Art. 6 Abs. 1 lit. c DSGVO)",
            "vital_interests": "Lebenswichtige Interessen (Art. 6 Abs. 1 lit. d DSGVO)",
            "public_task": "Eine Aufgabe im öffentlichen Interesse (Art. 6 Abs. 1 lit. e DSGVO)",
            "legitimate_interests": "Unsere berechtigten Interessen (Art. 6 Abs. 1 lit. f DSGVO)",
        },
        "sharing": "An wen wir Ihre Daten weitergeben",
        "recipients": "Kategorien von Empfängern:",
        "subprocessors": "Dienstleister, die Daten in unserem Auftrag verarbeiten (Unterauftragsverarbeiter):",
        "subprocessor_list": "Die vollständige Liste mit ihren Änderungen finden Sie unter",
        "where": "Orte der Verarbeitung",
        "transfers": "Übermittlungen in Drittländer",
        "transfers_intro": "Einige Empfänger verarbeiten Daten außerhalb des Europäischen Wirtschaftsraums. Jede "
        "solche Übermittlung ist wie folgt abgesichert:",
        "no_transfers": "Wir übermitteln keine personenbezogenen Daten außerhalb des Europäischen Wirtschaftsraums.",
        "country": "Land",
        "recipient": "Empfänger",
        "safeguard": "Garantie",
        "safeguards": {
            "adequacy": "Angemessenheitsbeschluss der Europäischen Kommission (Art. 45 DSGVO)",
            "eu_us_data_privacy_framework": "EU-US Data Privacy Framework",
            "sccs_2021_914": "Standardvertragsklauseln (Durchführungsbeschluss (EU) 2021/914)",
            "binding_corporate_rules": "verbindliche interne Datenschutzvorschriften (Art. 47 DSGVO)",
            "code_of_conduct": "genehmigte Verhaltensregeln",
            "certification": "genehmigter Zertifizierungsmechanismus",
            "art_49_derogation": "Ausnahme für bestimmte Fälle (Art. 49 DSGVO)",
            "not_needed": "nicht erforderlich",
            "": "noch zu dokumentieren",
        },
        "retention": "Wie lange wir Ihre Daten speichern",
        "retention_rules": "Automatische Löschregeln, die wir anwenden:",
        "period_from": "{period} ab {event}",
        "events": {
            "collected": "Erhebung",
            "last_contact": "unserem letzten Kontakt",
            "contract_end": "Vertragsende",
            "replied": "unserer Antwort",
        },
        "cookies": "Cookies und ähnliche Technologien",
        "cookies_intro": "Nicht unbedingt erforderliche Cookies setzen wir nur mit Ihrer Einwilligung ein, wo das "
        "Gesetz sie verlangt; Ihre Wahl können Sie jederzeit über den Link „Datenschutz-Einstellungen“ auf unserer "
        "Website ändern.",
        "cookie": "Cookie",
        "duration": "Dauer",
        "set_by": "Gesetzt von",
        "first_party": "uns",
        "third_party": "einem Dritten",
        "no_cookies": "Wir verwenden nur unbedingt erforderliche Cookies.",
        "rights": "Ihre Rechte",
        "rights_list": [
            "Auskunft über Ihre Daten und eine Kopie davon (Art. 15 DSGVO);",
            "Berichtigung unrichtiger Daten (Art. 16 DSGVO);",
            "Löschung Ihrer Daten (Art. 17 DSGVO);",
            "Einschränkung der Verarbeitung (Art. 18 DSGVO);",
            "Herausgabe der von Ihnen bereitgestellten Daten in einem übertragbaren Format (Art. 20 DSGVO);",
            "Widerspruch gegen Verarbeitungen aus berechtigtem Interesse oder zur Direktwerbung (Art. 21 DSGVO);",
            "Widerruf einer Einwilligung jederzeit mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO).",
        ],
        "post_mortem_right": "Sie können zudem Verfügungen darüber treffen, was nach Ihrem Tod mit Ihren Daten "
        "geschieht, eine Person zu ihrer Ausführung benennen und sie jederzeit ändern oder widerrufen (Art. 85 loi "
        "Informatique et Libertés).",
        "rights_how": "Stellen Sie Ihren Antrag auf unserer Antragsseite; wir antworten innerhalb eines Monats nach "
        "Eingang. Bei komplexen oder zahlreichen Anträgen können wir die Frist um zwei weitere Monate verlängern und "
        "teilen Ihnen die Gründe innerhalb des ersten Monats mit.",
        "request_page": "Antragsseite",
        "complaint": "Ihr Beschwerderecht",
        "complaint_text": "Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren, insbesondere in dem "
        "Mitgliedstaat Ihres gewöhnlichen Aufenthalts, Ihres Arbeitsplatzes oder des mutmaßlichen Verstoßes "
        "(Art. 77 DSGVO).",
        "lead_authority": "Unsere federführende Aufsichtsbehörde ist {authority}.",
        "automated": "Automatisierte Entscheidungen",
        "no_automated": "Wir treffen keine ausschließlich automatisierten Entscheidungen, die Ihnen gegenüber "
        "rechtliche Wirkung entfalten oder Sie in ähnlicher Weise erheblich beeinträchtigen (Art. 22 DSGVO).",
        "changes": "Änderungen dieser Erklärung",
        "changes_intro": "Wir aktualisieren diese Erklärung, wenn sich unsere Verarbeitung ändert. Bei wesentlichen "
        "Änderungen bitten wir, wo nötig, erneut um Ihre Einwilligung. Änderungsverlauf:",
        "not_published": "Es wurde noch keine Datenschutzerklärung veröffentlicht.",
    },
}


def notice_language(requested: str | None) -> str:
    return requested if requested in NOTICE_LANGUAGES else "en"
