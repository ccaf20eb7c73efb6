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
            "directive": "Leave, change or revoke directives for my data after my death",
            "death_notice": "Tell you of the death of someone whose data you hold",
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
        "restrict_meanwhile": "For a correction or an objection: restrict the use of my data until you decide",
        "grounds": {
            "accuracy_contested": "You contest the accuracy of the data",
            "unlawful_processing": "The processing is unlawful, but you do not want the data erased",
            "legal_claims": "You need the data for a legal claim",
            "objection_pending": "You objected and await our decision",
        },
        "post_mortem": {
            "directive": "For directives after your death (French law, art. 85 loi Informatique et Libertés)",
            "trusted_person": "The person who carries them out",
            "trusted_email": "Their email address (they use it when they tell us of your death)",
            "wish": "What should happen to your data",
            "wishes": {
                "access": "Give that person a copy",
                "erasure": "Erase it",
                "as_written": "Follow the instructions below",
            },
            "instructions": "Your instructions (optional)",
            "revoke": "Revoke my directives instead",
            "death": "To tell us of a death",
            "deceased_email": "The email address of the person who died",
            "deceased_name": "The name of the person who died (optional)",
            "died_on": "Date of death",
            "relationship": "You are",
            "relationships": {"trusted_person": "The person named in their directives", "heir": "An heir"},
            "evidence": "The evidence you hold (for example a death certificate); we may ask for a copy",
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
            "directive": "Verfügungen für meine Daten nach meinem Tod festlegen, ändern oder widerrufen",
            "death_notice": "Den Tod einer Person mitteilen, deren Daten Sie verarbeiten",
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
        "restrict_meanwhile": "Bei einer Berichtigung oder einem Widerspruch: Nutzung meiner Daten bis zur "
        "Entscheidung einschränken",
        "grounds": {
            "accuracy_contested": "Sie bestreiten die Richtigkeit der Daten",
            "unlawful_processing": "Die Verarbeitung ist unrechtmäßig, Sie möchten aber keine Löschung",
            "legal_claims": "Sie benötigen die Daten für Rechtsansprüche",
            "objection_pending": "Sie haben widersprochen und warten auf unsere Entscheidung",
        },
        "post_mortem": {
            "directive": "Für Verfügungen nach Ihrem Tod (französisches Recht, Art. 85 loi Informatique et Libertés)",
            "trusted_person": "Die Person, die sie ausführt",
            "trusted_email": "E-Mail-Adresse dieser Person (damit teilt sie uns Ihren Tod mit)",
            "wish": "Was mit Ihren Daten geschehen soll",
            "wishes": {
                "access": "Dieser Person eine Kopie geben",
                "erasure": "Sie löschen",
                "as_written": "Den Anweisungen unten folgen",
            },
            "instructions": "Ihre Anweisungen (optional)",
            "revoke": "Stattdessen meine Verfügungen widerrufen",
            "death": "Um uns einen Todesfall mitzuteilen",
            "deceased_email": "Die E-Mail-Adresse der verstorbenen Person",
            "deceased_name": "Name der verstorbenen Person (optional)",
            "died_on": "Todestag",
            "relationship": "Sie sind",
            "relationships": {"trusted_person": "Die in den Verfügungen benannte Person", "heir": "Erbe oder Erbin"},
            "evidence": "Ihr Nachweis (zum Beispiel eine Sterbeurkunde); wir können eine Kopie erbitten",
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
            "directive": "Définir, modifier ou révoquer des directives sur mes données après mon décès",
            "death_notice": "Vous informer du décès d'une personne dont vous traitez les données",
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
        "restrict_meanwhile": "Pour une rectification ou une opposition : limiter l'usage de mes données "
        "jusqu'à votre décision",
        "grounds": {
            "accuracy_contested": "Vous contestez l'exactitude des données",
            "unlawful_processing": "Le traitement est illicite, mais vous ne voulez pas l'effacement",
            "legal_claims": "Vous avez besoin des données pour un droit en justice",
            "objection_pending": "Vous vous êtes opposé(e) et attendez notre décision",
        },
        "post_mortem": {
            "directive": "Pour des directives après votre décès (art. 85 de la loi Informatique et Libertés)",
            "trusted_person": "La personne chargée de les exécuter",
            "trusted_email": "Son adresse e-mail (elle l'utilise pour nous informer de votre décès)",
            "wish": "Ce que deviennent vos données",
            "wishes": {
                "access": "En remettre une copie à cette personne",
                "erasure": "Les effacer",
                "as_written": "Suivre les instructions ci-dessous",
            },
            "instructions": "Vos instructions (facultatif)",
            "revoke": "Révoquer plutôt mes directives",
            "death": "Pour nous informer d'un décès",
            "deceased_email": "L'adresse e-mail de la personne décédée",
            "deceased_name": "Le nom de la personne décédée (facultatif)",
            "died_on": "Date du décès",
            "relationship": "Vous êtes",
            "relationships": {"trusted_person": "La personne désignée dans ses directives", "heir": "Un héritier"},
            "evidence": "La preuve dont vous disposez (par exemple un acte de décès) ; "
            "nous pourrons en demander une copie",
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
            "directive": "Richtlijnen voor mijn gegevens na mijn overlijden geven, wijzigen of intrekken",
            "death_notice": "Het overlijden melden van iemand van wie u gegevens verwerkt",
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
        "restrict_meanwhile": "Bij een correctie of bezwaar: het gebruik van mijn gegevens beperken tot uw beslissing",
        "grounds": {
            "accuracy_contested": "U betwist de juistheid van de gegevens",
            "unlawful_processing": "De verwerking is onrechtmatig, maar u wilt geen wissing",
            "legal_claims": "U hebt de gegevens nodig voor een rechtsvordering",
            "objection_pending": "U hebt bezwaar gemaakt en wacht op ons besluit",
        },
        "post_mortem": {
            "directive": "Voor richtlijnen na uw overlijden (Frans recht, art. 85 loi Informatique et Libertés)",
            "trusted_person": "De persoon die ze uitvoert",
            "trusted_email": "Diens e-mailadres (daarmee meldt die persoon uw overlijden)",
            "wish": "Wat er met uw gegevens moet gebeuren",
            "wishes": {
                "access": "Die persoon een kopie geven",
                "erasure": "Ze wissen",
                "as_written": "De instructies hieronder volgen",
            },
            "instructions": "Uw instructies (optioneel)",
            "revoke": "In plaats daarvan mijn richtlijnen intrekken",
            "death": "Om een overlijden te melden",
            "deceased_email": "Het e-mailadres van de overleden persoon",
            "deceased_name": "De naam van de overleden persoon (optioneel)",
            "died_on": "Datum van overlijden",
            "relationship": "U bent",
            "relationships": {"trusted_person": "De persoon genoemd in de richtlijnen", "heir": "Een erfgenaam"},
            "evidence": "Uw bewijs (bijvoorbeeld een overlijdensakte); we kunnen om een kopie vragen",
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
