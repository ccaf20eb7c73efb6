"""The privacy centre's fixed wording, in the organisation's languages."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de", "fr", "nl")

TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Your personal data",
        "intro": "Ask us what personal data we hold about you, for a copy to take elsewhere, to correct or erase it, "
        "or to restrict or object to its use. We answer within one month; for complex requests we may extend "
        "this by two further months and will tell you why.",
        "type": "What would you like?",
        "types": {
            "access": "A copy of my data (access)",
            "portability": "My data to take to another service (portability)",
            "erasure": "Erase my data (erasure)",
            "rectification": "Correct my data (rectification)",
            "restriction": "Restrict the use of my data (restriction)",
            "objection": "Object to the use of my data (objection)",
            "withdrawal": "Withdraw a consent I gave (withdrawal)",
        },
        "email": "Your email address",
        "email_hint": "We send a code to this address to check that it is yours.",
        "name": "Your name (optional)",
        "details": "Anything we should know (optional)",
        "corrections": (
            "To correct your data: what is wrong and what it should "
            "be, one per line as: what = what it should be (optional)"
        ),
        "objection_scope": "For an objection: what do you object to? (None ticked: all of it.)",
        "direct_marketing": "Direct marketing (always stopped)",
        "restriction_ground": "If you ask for a restriction: why",
        "grounds": {
            "accuracy_contested": "You contest the accuracy of the data",
            "unlawful_processing": "The processing is unlawful, but you do not want the data erased",
            "legal_claims": "You need the data for a legal claim",
            "objection_pending": "You objected and await our decision",
        },
        "submit": "Send request",
        "code_title": "Enter your code",
        "code_intro": "We sent a six-digit code to the email address you gave. It is valid for 15 minutes.",
        "code": "Code",
        "verify": "Confirm",
        "resend": "Send a new code",
        "recipients": "Whom your data was disclosed to: we tell them of your request (Art. 19 GDPR)",
        "status_title": "Request {reference}",
        "status": "Status",
        "statuses": {
            "awaiting_verification": "waiting for your code",
            "in_progress": "in progress",
            "completed": "answered",
            "refused": "refused",
        },
        "received": "Received",
        "due": "We answer by",
        "extended": "extended to",
        "download": "Download the answer",
        "available_until": "available until",
        "history": "What has happened",
    },
    "de": {
        "title": "Ihre personenbezogenen Daten",
        "intro": "Fragen Sie uns, welche Daten wir über Sie speichern, verlangen Sie eine Kopie zur Mitnahme, die "
        "Berichtigung oder Löschung, oder schränken Sie die Nutzung ein oder widersprechen Sie ihr. Wir antworten "
        "innerhalb eines Monats; bei komplexen Anfragen können wir um zwei Monate verlängern und sagen Ihnen warum.",
        "type": "Was möchten Sie?",
        "types": {
            "access": "Eine Kopie meiner Daten (Auskunft)",
            "portability": "Meine Daten zur Mitnahme (Datenübertragbarkeit)",
            "erasure": "Meine Daten löschen (Löschung)",
            "rectification": "Meine Daten berichtigen (Berichtigung)",
            "restriction": "Die Nutzung einschränken (Einschränkung)",
            "objection": "Der Nutzung widersprechen (Widerspruch)",
            "withdrawal": "Eine Einwilligung widerrufen (Widerruf)",
        },
        "email": "Ihre E-Mail-Adresse",
        "email_hint": "Wir senden einen Code an diese Adresse, um zu prüfen, dass sie Ihnen gehört.",
        "name": "Ihr Name (optional)",
        "details": "Was wir wissen sollten (optional)",
        "corrections": (
            "Zur Berichtigung: was falsch ist und was richtig wäre, "
            "eine Angabe pro Zeile: was = wie es richtig lautet (optional)"
        ),
        "objection_scope": "Bei einem Widerspruch: wogegen widersprechen Sie? (Nichts angekreuzt: gegen alles.)",
        "direct_marketing": "Direktwerbung (wird immer beendet)",
        "restriction_ground": "Bei einer Einschränkung: warum",
        "grounds": {
            "accuracy_contested": "Sie bestreiten die Richtigkeit der Daten",
            "unlawful_processing": "Die Verarbeitung ist unrechtmäßig, Sie möchten aber keine Löschung",
            "legal_claims": "Sie benötigen die Daten für Rechtsansprüche",
            "objection_pending": "Sie haben widersprochen und warten auf unsere Entscheidung",
        },
        "submit": "Anfrage senden",
        "code_title": "Code eingeben",
        "code_intro": "Wir haben einen sechsstelligen Code an Ihre E-Mail-Adresse gesendet. Er ist 15 Minuten gültig.",
        "code": "Code",
        "verify": "Bestätigen",
        "resend": "Neuen Code senden",
        "recipients": "Empfänger Ihrer Daten: wir unterrichten sie über Ihre Anfrage (Art. 19 DSGVO)",
        "status_title": "Anfrage {reference}",
        "status": "Stand",
        "statuses": {
            "awaiting_verification": "wartet auf Ihren Code",
            "in_progress": "in Bearbeitung",
            "completed": "beantwortet",
            "refused": "abgelehnt",
        },
        "received": "Eingegangen",
        "due": "Antwort bis",
        "extended": "verlängert bis",
        "download": "Antwort herunterladen",
        "available_until": "verfügbar bis",
        "history": "Verlauf",
    },
    "fr": {
        "title": "Vos données personnelles",
        "intro": "Demandez-nous quelles données nous détenons sur vous, une copie à emporter, leur rectification ou "
        "leur effacement, ou la limitation de leur usage ou votre opposition. Nous répondons dans un délai d'un mois, "
        "prolongeable de deux mois pour les demandes complexes ; nous vous dirons alors pourquoi.",
        "type": "Que souhaitez-vous ?",
        "types": {
            "access": "Une copie de mes données (accès)",
            "portability": "Mes données à emporter (portabilité)",
            "erasure": "Effacer mes données (effacement)",
            "rectification": "Corriger mes données (rectification)",
            "restriction": "Limiter l'usage de mes données (limitation)",
            "objection": "M'opposer à l'usage de mes données (opposition)",
            "withdrawal": "Retirer un consentement donné (retrait)",
        },
        "email": "Votre adresse e-mail",
        "email_hint": "Nous envoyons un code à cette adresse pour vérifier qu'elle est la vôtre.",
        "name": "Votre nom (facultatif)",
        "details": "Ce que nous devrions savoir (facultatif)",
        "corrections": (
            "Pour une rectification : ce qui est inexact et ce qu'il "
            "faudrait, une ligne par donnée : quoi = valeur exacte (facultatif)"
        ),
        "objection_scope": "Pour une opposition : à quoi vous opposez-vous ? (Rien de coché : à tout.)",
        "direct_marketing": "Prospection commerciale (toujours arrêtée)",
        "restriction_ground": "Pour une limitation : pourquoi",
        "grounds": {
            "accuracy_contested": "Vous contestez l'exactitude des données",
            "unlawful_processing": "Le traitement est illicite, mais vous ne voulez pas l'effacement",
            "legal_claims": "Vous avez besoin des données pour un droit en justice",
            "objection_pending": "Vous vous êtes opposé(e) et attendez notre décision",
        },
        "submit": "Envoyer la demande",
        "code_title": "Saisissez votre code",
        "code_intro": "Nous avons envoyé un code à six chiffres à votre adresse e-mail. Il est valable 15 minutes.",
        "code": "Code",
        "verify": "Confirmer",
        "resend": "Envoyer un nouveau code",
        "recipients": "Destinataires de vos données : nous les informons de votre demande (art. 19 RGPD)",
        "status_title": "Demande {reference}",
        "status": "État",
        "statuses": {
            "awaiting_verification": "en attente de votre code",
            "in_progress": "en cours",
            "completed": "répondue",
            "refused": "refusée",
        },
        "received": "Reçue le",
        "due": "Réponse au plus tard le",
        "extended": "prolongé au",
        "download": "Télécharger la réponse",
        "available_until": "disponible jusqu'au",
        "history": "Historique",
    },
    "nl": {
        "title": "Uw persoonsgegevens",
        "intro": "Vraag ons welke gegevens we over u hebben, een kopie om mee te nemen, verbetering of wissing, of "
        "beperk het gebruik of maak bezwaar. We antwoorden binnen een maand; bij complexe verzoeken kunnen we dit "
        "met twee maanden verlengen en zeggen we u waarom.",
        "type": "Wat wilt u?",
        "types": {
            "access": "Een kopie van mijn gegevens (inzage)",
            "portability": "Mijn gegevens om mee te nemen (overdraagbaarheid)",
            "erasure": "Mijn gegevens wissen (wissing)",
            "rectification": "Mijn gegevens verbeteren (rectificatie)",
            "restriction": "Het gebruik beperken (beperking)",
            "objection": "Bezwaar maken tegen het gebruik (bezwaar)",
            "withdrawal": "Een gegeven toestemming intrekken (intrekking)",
        },
        "email": "Uw e-mailadres",
        "email_hint": "We sturen een code naar dit adres om te controleren dat het van u is.",
        "name": "Uw naam (optioneel)",
        "details": "Wat we moeten weten (optioneel)",
        "corrections": (
            "Voor een correctie: wat er niet klopt en wat het moet "
            "zijn, één per regel: wat = wat het moet zijn (optioneel)"
        ),
        "objection_scope": "Bij bezwaar: waartegen maakt u bezwaar? (Niets aangevinkt: tegen alles.)",
        "direct_marketing": "Direct marketing (wordt altijd gestopt)",
        "restriction_ground": "Bij een beperking: waarom",
        "grounds": {
            "accuracy_contested": "U betwist de juistheid van de gegevens",
            "unlawful_processing": "De verwerking is onrechtmatig, maar u wilt geen wissing",
            "legal_claims": "U hebt de gegevens nodig voor een rechtsvordering",
            "objection_pending": "U hebt bezwaar gemaakt en wacht op ons besluit",
        },
        "submit": "Verzoek versturen",
        "code_title": "Voer uw code in",
        "code_intro": "We hebben een zescijferige code naar uw e-mailadres gestuurd. Hij is 15 minuten geldig.",
        "code": "Code",
        "verify": "Bevestigen",
        "resend": "Nieuwe code sturen",
        "recipients": "Ontvangers van uw gegevens: wij stellen hen in kennis van uw verzoek (art. 19 AVG)",
        "status_title": "Verzoek {reference}",
        "status": "Status",
        "statuses": {
            "awaiting_verification": "wacht op uw code",
            "in_progress": "in behandeling",
            "completed": "beantwoord",
            "refused": "geweigerd",
        },
        "received": "Ontvangen",
        "due": "Antwoord uiterlijk",
        "extended": "verlengd tot",
        "download": "Antwoord downloaden",
        "available_until": "beschikbaar tot",
        "history": "Verloop",
    },
}


def language_of(requested: str | None, accept_language: str | None) -> str:
    """The page's language: asked for explicitly, else the browser's first one we have, else English."""
    if requested in TEXTS:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in TEXTS:
            return code
    return "en"
