"""SDI (Sistema di Interscambio) through PEC: where a FatturaPA goes and what SDI answers.

A FatturaPA file ``IT{IdCodice}_{progressivo}.xml`` is sent as the attachment of a PEC message to
SDI's address (the first one is ``sdi01@pec.fatturapa.it``; SDI then answers from the address the
transmitter must use from then on). SDI's receipts come back to the PEC inbox, each an XML file
named after the invoice's file with its type and a number (``IT01234567890_00001_RC_001.xml``),
usually inside the PEC envelope (``postacert.eml``). Their root elements (namespace
``…/docs/xsd/messaggi/v1.0``) and what they mean for the invoice:

* ``RicevutaConsegna`` (RC) — delivered to the buyer;
* ``NotificaScarto`` (NS) — rejected by SDI, with ``ListaErrori`` (the invoice must be corrected and
  sent again under a new file name);
* ``NotificaMancataConsegna`` (MC) — could not be delivered (it is in the buyer's tax drawer);
* ``NotificaEsito`` (NE) — a public administration's outcome: ``EC01`` accepted, ``EC02`` refused;
* ``NotificaDecorrenzaTermini`` (DT) — 15 days passed with no outcome from the administration;
* ``AttestazioneTrasmissioneFattura`` (AT) — not deliverable to an administration, attested.

``parse_receipt`` reads one such file without trusting it (no entities, no network: the XML parser
is ``lxml`` with entity resolution and network access off).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any

DEFAULT_SDI_ADDRESS = "sdi01@pec.fatturapa.it"
RECEIPT_NAME = re.compile(
    r"^(?P<invoice>[A-Z]{2}[A-Za-z0-9]{1,28}_[A-Za-z0-9]{1,5})_(?P<kind>RC|NS|MC|NE|DT|AT|EC|SE|MT)_"
    r"(?P<number>[A-Za-z0-9]{1,3})\.xml$",
    re.IGNORECASE,
)


class ReceiptKind(enum.StrEnum):
    RC = "RC"
    NS = "NS"
    MC = "MC"
    NE = "NE"
    DT = "DT"
    AT = "AT"


class SdiStatus(enum.StrEnum):
    """An invoice's way through SDI, as its latest receipt says."""

    SENT = "sent"  # handed to the outbox / PEC, no receipt yet
    DELIVERED = "delivered"  # RC
    REJECTED = "rejected"  # NS
    NOT_DELIVERED = "not_delivered"  # MC
    ACCEPTED = "accepted"  # NE EC01
    REFUSED = "refused"  # NE EC02
    DEADLINE_PASSED = "deadline_passed"  # DT
    ATTESTED = "attested"  # AT


_ROOTS = {
    "RicevutaConsegna": ReceiptKind.RC,
    "NotificaScarto": ReceiptKind.NS,
    "NotificaMancataConsegna": ReceiptKind.MC,
    "NotificaEsito": ReceiptKind.NE,
    "NotificaDecorrenzaTermini": ReceiptKind.DT,
    "AttestazioneTrasmissioneFattura": ReceiptKind.AT,
}


@dataclass(frozen=True, slots=True)
class SdiError:
    code: str
    description: str
    suggestion: str = ""


@dataclass(frozen=True, slots=True)
class Receipt:
    kind: ReceiptKind
    file_name: str  # NomeFile: the invoice's file this receipt is about
    sdi_id: str  # IdentificativoSdI
    received_at: dt.datetime | None  # DataOraRicezione (UTC, naive)
    delivered_at: dt.datetime | None  # DataOraConsegna (RC)
    outcome: str  # NE: EC01 / EC02
    note: str
    errors: tuple[SdiError, ...]

    @property
    def status(self) -> SdiStatus:
        if self.kind == ReceiptKind.NE:
            return SdiStatus.REFUSED if self.outcome == "EC02" else SdiStatus.ACCEPTED
        return {
            ReceiptKind.RC: SdiStatus.DELIVERED,
            ReceiptKind.NS: SdiStatus.REJECTED,
            ReceiptKind.MC: SdiStatus.NOT_DELIVERED,
            ReceiptKind.DT: SdiStatus.DEADLINE_PASSED,
            ReceiptKind.AT: SdiStatus.ATTESTED,
        }[self.kind]


def is_receipt_name(name: str) -> bool:
    return bool(RECEIPT_NAME.match(name or ""))


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: Any, name: str) -> str:
    for child in element.iter():
        if _local(child.tag) == name and child.text:
            return " ".join(child.text.split())
    return ""


def _when(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def parse_receipt(content: bytes) -> Receipt | None:
    """The receipt in an SDI XML file, or None when the bytes are not one (or not XML at all)."""
    from lxml import etree  # type: ignore[import-untyped]

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(content, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    kind = _ROOTS.get(_local(root.tag))
    if kind is None:
        return None
    errors = tuple(
        SdiError(_child_text(e, "Codice"), _child_text(e, "Descrizione"), _child_text(e, "Suggerimento"))
        for e in root.iter()
        if _local(e.tag) == "Errore"
    )
    outcome = _child_text(root, "Esito") if kind == ReceiptKind.NE else ""
    note = _child_text(root, "Note") or (_child_text(root, "Descrizione") if kind == ReceiptKind.NE else "")
    return Receipt(
        kind=kind,
        file_name=_child_text(root, "NomeFile"),
        sdi_id=_child_text(root, "IdentificativoSdI"),
        received_at=_when(_child_text(root, "DataOraRicezione")),
        delivered_at=_when(_child_text(root, "DataOraConsegna")),
        outcome=outcome,
        note=note,
        errors=errors,
    )
