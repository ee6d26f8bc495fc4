"""Italian legal wording of invoices: references of the VAT nature codes, the forfettario and
stamp-duty notes, the courtesy-copy notice (Italian by law, whatever the document's language)."""

from __future__ import annotations

from decimal import Decimal

NATURA_REFERENCES = {
    "N1": "Escluso art. 15 DPR 633/72",
    "N2.1": "Non soggetto artt. da 7 a 7-septies DPR 633/72",
    "N2.2": "Operazione in franchigia da IVA ai sensi dell'art. 1, commi 54-89, L. 190/2014",
    "N3.1": "Non imponibile art. 8 DPR 633/72 - esportazioni",
    "N3.2": "Non imponibile art. 41 DL 331/93 - cessioni intracomunitarie",
    "N3.3": "Non imponibile art. 71 DPR 633/72 - cessioni verso San Marino",
    "N3.4": "Non imponibile art. 8-bis DPR 633/72",
    "N3.5": "Non imponibile art. 8 c. 1 lett. c DPR 633/72 - dichiarazione d'intento",
    "N3.6": "Non imponibile - altre operazioni",
    "N4": "Esente art. 10 DPR 633/72",
    "N5": "Regime del margine art. 36 DL 41/95",
    "N6.1": "Inversione contabile art. 74 c. 7 e 8 DPR 633/72",
    "N6.2": "Inversione contabile art. 17 c. 6 lett. a DPR 633/72",
    "N6.3": "Inversione contabile art. 17 c. 6 lett. a-bis DPR 633/72",
    "N6.4": "Inversione contabile art. 17 c. 6 lett. b DPR 633/72",
    "N6.5": "Inversione contabile art. 17 c. 6 lett. c DPR 633/72",
    "N6.6": "Inversione contabile art. 17 c. 6 lett. d DPR 633/72",
    "N6.7": "Inversione contabile art. 17 c. 6 lett. a-ter DPR 633/72",
    "N6.8": "Inversione contabile art. 17 c. 6 lett. a-quater DPR 633/72",
    "N6.9": "Inversione contabile art. 17 c. 2 DPR 633/72",
    "N7": "IVA assolta in altro stato UE",
}
FORFETTARIO_NOTE = (
    "Operazione effettuata ai sensi dell'art. 1, commi da 54 a 89, della Legge n. 190/2014 "
    "- Regime forfettario"
)
BOLLO_NOTE = (
    "Imposta di bollo assolta in modo virtuale ai sensi dell'art. 6 del D.M. 17 giugno 2014"
)
COURTESY_NOTICE = (
    "Copia di cortesia priva di valore fiscale ai sensi dell'art. 21 D.P.R. 633/72. L'originale è "
    "stato trasmesso al Sistema di Interscambio ed è disponibile all'indirizzo telematico da Lei "
    "comunicato o nella Sua area riservata del sito dell'Agenzia delle Entrate."
)
BOLLO_THRESHOLD = Decimal("77.47")
BOLLO_AMOUNT = Decimal("2.00")
