"""FatturaPA XML (FPR12, TD01) from a render context, checked against the official XSD v1.2.3 and the
SDI business rules of documents.md §2.5–2.6.

* Text must be Basic Latin + Latin-1: typographic characters are transliterated (— → -, “ ” → ",
  € → EUR…); anything still outside Latin-1 is refused with a message naming the field.
* Amounts have exactly two decimals; quantities and unit prices 2–8.
* VAT is taken from the context's summary (per rate and natura), never summed per line.

The schema files are vendored in ``resources/fatturapa/`` (see ``NOTICE.md`` there); the xmldsig
import is rewritten to the local copy in memory so validation never touches the network.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Any

from desktop_crm import money
from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _
from desktop_crm.paths import resources_dir
from desktop_crm.validation import BIDI_CONTROLS

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
XSD_NAME = "Schema_VFPR12_v1.2.3.xsd"
XMLDSIG_URL = "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd"
GENERIC_NATURA = {"N2", "N3", "N6"}
_TRANSLIT = {
    "\u2014": "-", "\u2013": "-", "\u2012": "-", "\u2011": "-", "\u2010": "-", "\u2212": "-",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u20ac": "EUR", "\u2026": "...", "\u202f": " ", "\u2009": " ", "\u00a0": " ", "\u2022": "-",
    "\u2116": "N.",
}


class FatturaPAError(CrmError):
    """The invoice cannot be expressed as a valid FatturaPA; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            _("The FatturaPA file is not valid:") + "\n" + "\n".join(f"• {p}" for p in problems)
        )
        self.problems = problems


def sanitize(text: str | None, field: str, limit: int | None = None) -> str:
    """Latin-1 text for the XML: transliterated, control and bidi characters dropped, whitespace
    collapsed, length-checked."""
    value = "".join(_TRANSLIT.get(ch, ch) for ch in xml_text(text or ""))
    value = " ".join(value.split())
    bad = sorted({ch for ch in value if ord(ch) > 0xFF})
    if bad:
        raise FatturaPAError(
            [
                _("{field}: characters not allowed in a FatturaPA (Latin-1 only): {chars}").format(
                    field=field, chars=" ".join(bad)
                )
            ]
        )
    if limit is not None and len(value) > limit:
        value = value[:limit].rstrip()
    return value


def is_latin(text: str | None) -> bool:
    """Whether ``text`` fits a FatturaPA text field (Latin-1 once transliterated)."""
    value = "".join(_TRANSLIT.get(ch, ch) for ch in xml_text(text or ""))
    return all(ord(ch) <= 0xFF for ch in value)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without what XML 1.0 cannot hold (controls, lone surrogates) or a FatturaPA
    viewer would render reversed (bidirectional controls)."""
    return BIDI_CONTROLS.sub("", _NOT_XML.sub("", value))


def _etree() -> Any:
    """lxml's etree, imported on first use (start-up does not pay for it)."""
    # lxml ships no types (lxml-stubs is not a dependency): its trees are Any here
    from lxml import etree  # type: ignore[import-untyped]

    return etree


def _amount(value: Any) -> str:
    return f"{money.round_money(money.to_decimal(value)):.2f}"


def _decimals(value: Decimal, low: int = 2, high: int = 8) -> str:
    value = money.to_decimal(value)
    text = format(value.quantize(Decimal(1).scaleb(-high)).normalize(), "f")
    whole, _dot, frac = text.partition(".")
    frac = frac[:high].ljust(low, "0")
    return f"{whole}.{frac}"


def progressive_for(sequence: int, series: str = "") -> str:
    """``ProgressivoInvio`` and the file-name suffix (5 characters ``[A-Za-z0-9]``) of a
    transmission counter value (``numbering.take_progressive``).

    The main series is the counter in base 36 starting with a digit (up to 16.8 million files);
    a device series of one letter leads and the counter fills the other four (1.7 million files),
    so two series never give the same suffix. Anything that would not fit is refused.
    """
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    value, out = int(sequence), ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    out = out or "0"
    if series and not (len(series) == 1 and series.isalpha() and series.isascii()):
        raise FatturaPAError([
            _("The series {series} cannot name FatturaPA files: an Italian company's series is "
              "one Latin letter.").format(series=series)
        ])
    width = 5 - len(series)
    if len(out) > width or (not series and out.rjust(5, "0")[0].isalpha()):
        raise FatturaPAError([
            _("The FatturaPA file numbers of the series {series} are used up.").format(series=series or "—")
        ])
    return series + out.rjust(width, "0")


def file_name(context: dict[str, Any], progressive: str) -> str:
    ids = context["seller"]["ids"]
    code = re.sub(r"[^A-Z0-9]", "", (ids.get("vat_number") or ids.get("tax_code") or "").upper())
    return safe_file_name(f"IT{code}_{re.sub(r'[^A-Za-z0-9]', '', progressive)}", "xml")


class _Builder:
    """Writes the FatturaPA tree of a render context, collecting every problem on the way."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.etree = _etree()
        self.context = context
        self.problems: list[str] = []

    def text(self, value: Any, field: str, limit: int | None = None) -> str:
        try:
            return sanitize(str(value or ""), field, limit)
        except FatturaPAError as error:
            self.problems.extend(error.problems)
            return ""

    def sub(self, parent: Any, tag: str, value: str | None = None) -> Any:
        element = self.etree.SubElement(parent, tag)
        if value is not None:
            element.text = xml_text(value)
        return element

    def document(self, progressive: str) -> Any:
        root = self.etree.Element(
            f"{{{NAMESPACE}}}FatturaElettronica",
            nsmap={"p": NAMESPACE, "ds": "http://www.w3.org/2000/09/xmldsig#",
                   "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
            versione="FPR12",
        )
        header = self.sub(root, "FatturaElettronicaHeader")
        self.transmission(header, progressive)
        self.party(header, "CedentePrestatore", self.context["seller"], is_seller=True)
        self.party(header, "CessionarioCommittente", self.context["buyer"], is_seller=False)
        body = self.sub(root, "FatturaElettronicaBody")
        self.general(body)
        goods = self.sub(body, "DatiBeniServizi")
        for line in self.context["lines"]:
            self.line(goods, line)
        for row in self.context["totals"]["vat_breakdown"]:
            self.summary(goods, row)
        self.payment(body)
        return root

    def transmission(self, header: Any, progressive: str) -> None:
        seller, buyer = self.context["seller"], self.context["buyer"]
        seller_code = (seller["ids"].get("vat_number") or "").upper()
        if not seller_code:
            self.problems.append(_("The seller has no Partita IVA."))
        transmission = self.sub(header, "DatiTrasmissione")
        sender = self.sub(transmission, "IdTrasmittente")
        self.sub(sender, "IdPaese", "IT")
        self.sub(sender, "IdCodice", seller_code)
        self.sub(transmission, "ProgressivoInvio", progressive)
        self.sub(transmission, "FormatoTrasmissione", "FPR12")
        buyer_country = (buyer["address"].get("country") or "IT").upper()
        sdi = (buyer.get("sdi_code") or "").strip()
        if not sdi:
            sdi = "0000000" if buyer_country == "IT" else "XXXXXXX"
        self.sub(transmission, "CodiceDestinatario", sdi)
        if buyer.get("pec") and sdi == "0000000":
            self.sub(transmission, "PECDestinatario", self.text(buyer["pec"], "PEC", 256))

    def party(self, header: Any, parent_tag: str, data: dict[str, Any], *, is_seller: bool) -> None:
        node = self.sub(header, parent_tag)
        registry = self.sub(node, "DatiAnagrafici")
        country = (data["address"].get("country") or "IT").upper()
        vat = (data["ids"].get("vat_number") or "").upper()
        if vat:
            fiscal = self.sub(registry, "IdFiscaleIVA")
            self.sub(fiscal, "IdPaese", country)
            self.sub(fiscal, "IdCodice", vat)
        tax_code = (data["ids"].get("tax_code") or "").upper()
        if tax_code:
            self.sub(registry, "CodiceFiscale", tax_code)
        if not vat and not tax_code:
            self.problems.append(
                _("{party} has neither a Partita IVA nor a codice fiscale.").format(party=data["name"])
            )
        anagrafica = self.sub(registry, "Anagrafica")
        name = self.text(data["name_full"] or data["name"], "Denominazione", 80)
        self.sub(anagrafica, "Denominazione", name)
        if is_seller:
            self.sub(registry, "RegimeFiscale", data["ids"].get("regime_fiscale") or "RF01")
        self.seat(node, data, country)

    def seat(self, node: Any, data: dict[str, Any], country: str) -> None:
        seat = self.sub(node, "Sede")
        address = data["address"]
        self.sub(seat, "Indirizzo", self.text(address.get("street"), "Indirizzo", 60) or "-")
        zip_code = (address.get("zip") or "").strip()
        if country == "IT" and not re.fullmatch(r"\d{5}", zip_code):
            self.problems.append(_("{party}: the CAP must be five digits.").format(party=data["name"]))
        self.sub(seat, "CAP", zip_code if country == "IT" else "00000")
        self.sub(seat, "Comune", self.text(address.get("city"), "Comune", 60) or "-")
        if country == "IT" and address.get("province"):
            self.sub(seat, "Provincia", address["province"].upper())
        self.sub(seat, "Nazione", country)

    def general(self, body: Any) -> None:
        doc, totals = self.context["doc"], self.context["totals"]
        general_data = self.sub(body, "DatiGenerali")
        general = self.sub(general_data, "DatiGeneraliDocumento")
        credited = doc.get("credited") if doc.get("kind") == "credit_note" else None
        if doc.get("kind") == "credit_note" and not credited:
            self.problems.append(_("A credit note must name the invoice it credits."))
        self.sub(general, "TipoDocumento", "TD04" if doc.get("kind") == "credit_note" else "TD01")
        self.sub(general, "Divisa", doc.get("currency") or "EUR")
        self.sub(general, "Data", doc["date"])
        number = doc["number"]
        if not re.fullmatch(r"[\x20-\x7e]{1,20}", number or "") or not any(c.isdigit() for c in number):
            self.problems.append(
                _("The invoice number {number} is not a valid FatturaPA number.").format(number=number)
            )
        self.sub(general, "Numero", number)
        if Decimal(totals["stamp_duty"]) > 0:
            bollo = self.sub(general, "DatiBollo")
            self.sub(bollo, "BolloVirtuale", "SI")
            self.sub(bollo, "ImportoBollo", _amount(totals["stamp_duty"]))
        self.sub(general, "ImportoTotaleDocumento", _amount(totals["grand_total"]))
        causale = doc.get("basis") or (
            f"{self.context['labels']['invoice_from_quote']} {doc['source_quote']['number']}"
            if doc.get("source_quote")
            else ""
        )
        if causale:
            self.sub(general, "Causale", self.text(causale, "Causale", 200))
        if credited:  # TD04: the invoice this credit note refers to
            linked = self.sub(general_data, "DatiFattureCollegate")
            self.sub(linked, "IdDocumento", self.text(credited["number"], "IdDocumento", 20))
            self.sub(linked, "Data", credited["date"])

    def line(self, goods: Any, line: dict[str, Any]) -> None:
        included = bool(self.context["doc"].get("prices_include_vat"))
        detail = self.sub(goods, "DettaglioLinee")
        self.sub(detail, "NumeroLinea", str(line["n"]))
        if line.get("sku"):
            code = self.sub(detail, "CodiceArticolo")
            self.sub(code, "CodiceTipo", "INTERNO")
            self.sub(code, "CodiceValore", self.text(line["sku"], "CodiceValore", 35))
        self.sub(detail, "Descrizione", self.text(line["name"], "Descrizione", 1000))
        quantity = Decimal(line["qty"])
        self.sub(detail, "Quantita", _decimals(quantity))
        unit = sanitize_ascii(line["unit"], 10) if line.get("unit") else ""
        if unit:
            self.sub(detail, "UnitaMisura", unit)
        rate = Decimal(line["vat_rate"])
        price = Decimal(line["price"])
        if included and rate:
            price = (price * 100 / (100 + rate)).quantize(Decimal("1E-8"))
        self.sub(detail, "PrezzoUnitario", _decimals(price))
        discount = Decimal(line["discount_percent"])
        if discount:
            block = self.sub(detail, "ScontoMaggiorazione")
            self.sub(block, "Tipo", "SC")
            self.sub(block, "Percentuale", _amount(discount))
        gross = quantity * price
        total = money.round_money(gross - gross * discount / 100) if included else Decimal(line["amount"])
        self.sub(detail, "PrezzoTotale", _amount(total))
        self.sub(detail, "AliquotaIVA", _amount(rate))
        if line.get("natura"):
            self.sub(detail, "Natura", line["natura"])

    def summary(self, goods: Any, row: dict[str, Any]) -> None:
        summary = self.sub(goods, "DatiRiepilogo")
        self.sub(summary, "AliquotaIVA", _amount(row["rate"]))
        if row.get("natura"):
            self.sub(summary, "Natura", row["natura"])
        self.sub(summary, "ImponibileImporto", _amount(row["base"]))
        self.sub(summary, "Imposta", _amount(row["vat"]))
        if not row.get("natura"):
            self.sub(summary, "EsigibilitaIVA", "I")
        if row.get("legal_ref"):
            reference = self.text(row["legal_ref"], "RiferimentoNormativo", 100)
            self.sub(summary, "RiferimentoNormativo", reference)

    def payment(self, body: Any) -> None:
        doc, totals, payment = self.context["doc"], self.context["totals"], self.context["payment"]
        bank = self.context["seller"].get("bank") or {}
        pay = self.sub(body, "DatiPagamento")
        self.sub(pay, "CondizioniPagamento", payment.get("tp_code") or "TP02")
        detail = self.sub(pay, "DettaglioPagamento")
        self.sub(detail, "ModalitaPagamento", payment.get("mp_code") or "MP05")
        if doc.get("due_date"):
            self.sub(detail, "DataScadenzaPagamento", doc["due_date"])
        self.sub(detail, "ImportoPagamento", _amount(totals["grand_total"]))
        if bank.get("iban"):
            self.sub(detail, "IBAN", bank["iban"].replace(" ", "").upper())


def build_xml(context: dict[str, Any], progressive: str = "00001") -> bytes:
    """The FatturaPA document of an Italian invoice context (raises FatturaPAError)."""
    builder = _Builder(context)
    root = builder.document(progressive)
    if builder.problems:
        raise FatturaPAError(builder.problems)
    xml: bytes = builder.etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


def sanitize_ascii(value: str, limit: int) -> str:
    text = "".join(_TRANSLIT.get(ch, ch) for ch in value)
    return "".join(ch for ch in text if " " <= ch <= "~")[:limit].strip()


@cache
def _schema() -> Any:
    etree = _etree()

    folder = resources_dir() / "fatturapa"
    source = (folder / XSD_NAME).read_text(encoding="utf-8").replace(
        XMLDSIG_URL, "xmldsig-core-schema.xsd"
    )
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.fromstring(source.encode("utf-8"), parser, base_url=(folder / XSD_NAME).as_uri())
    return etree.XMLSchema(document)


def xsd_errors(xml: bytes) -> list[str]:
    """Messages of the XSD validation (empty when valid)."""
    etree = _etree()

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    try:
        tree = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as error:
        return [str(error)]
    schema = _schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def rule_errors(xml: bytes) -> list[str]:
    """SDI business rules the XSD cannot express (documents.md §2.6 and §4.3)."""
    etree = _etree()

    tree = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    problems = _fiscal_id_problems(tree)
    sums: dict[tuple[str, str], Decimal] = {}
    for line in tree.iter("DettaglioLinee"):
        problems.extend(_line_problems(line, sums))
    line_keys = set(sums)
    summary_keys: set[tuple[str, str]] = set()
    for summary in tree.iter("DatiRiepilogo"):
        problems.extend(_summary_problems(summary, sums, summary_keys))
    for rate, natura in sorted(line_keys - summary_keys):
        problems.append(
            _("Rate {rate}% {natura} has lines but no VAT summary (00443).").format(rate=rate, natura=natura)
        )
    for rate, natura in sorted(summary_keys - line_keys):
        problems.append(
            _("VAT summary {rate}% {natura} has no lines (00444).").format(rate=rate, natura=natura)
        )
    return problems


def _fiscal_id_problems(tree: Any) -> list[str]:
    from stdnum.it import iva

    problems = []
    for fiscal in tree.iter("IdFiscaleIVA"):
        country, code = fiscal.findtext("IdPaese"), fiscal.findtext("IdCodice") or ""
        if country == "IT" and not iva.is_valid(code):
            problems.append(_("{code} is not a valid Partita IVA.").format(code=code))
    return problems


def _line_problems(line: Any, sums: dict[tuple[str, str], Decimal]) -> list[str]:
    """A line's Natura and arithmetic; its total is added to ``sums`` under (rate, natura)."""
    problems = []
    rate = line.findtext("AliquotaIVA") or "0.00"
    natura = line.findtext("Natura") or ""
    number = line.findtext("NumeroLinea")
    if Decimal(rate) == 0 and not natura:
        problems.append(_("Line {n}: a 0% line needs a Natura code (00400).").format(n=number))
    if Decimal(rate) != 0 and natura:
        problems.append(_("Line {n}: a Natura code is only for 0% lines (00401).").format(n=number))
    if natura in GENERIC_NATURA:
        problems.append(
            _("Line {n}: the generic Natura {code} is refused by SDI; use a sub-code.").format(
                n=number, code=natura
            )
        )
    quantity = Decimal(line.findtext("Quantita") or "1")
    price = Decimal(line.findtext("PrezzoUnitario") or "0")
    total = Decimal(line.findtext("PrezzoTotale") or "0")
    expected = quantity * price
    percent = line.findtext("ScontoMaggiorazione/Percentuale")
    if percent:
        sign = -1 if line.findtext("ScontoMaggiorazione/Tipo") == "SC" else 1
        expected += sign * expected * Decimal(percent) / 100
    if abs(expected - total) > Decimal("0.01"):
        problems.append(
            _("Line {n}: PrezzoTotale {total} is not quantity × price {expected} (00423).").format(
                n=number, total=total, expected=money.round_money(expected)
            )
        )
    key = (f"{Decimal(rate):.2f}", natura)
    sums[key] = sums.get(key, Decimal(0)) + total
    return problems


def _summary_problems(
    summary: Any, sums: dict[tuple[str, str], Decimal], summary_keys: set[tuple[str, str]]
) -> list[str]:
    """A VAT summary row against its rate and its lines; its key is added to ``summary_keys``."""
    problems = []
    rate = Decimal(summary.findtext("AliquotaIVA") or "0")
    natura = summary.findtext("Natura") or ""
    key = (f"{rate:.2f}", natura)
    summary_keys.add(key)
    base = Decimal(summary.findtext("ImponibileImporto") or "0")
    tax = Decimal(summary.findtext("Imposta") or "0")
    if abs(money.round_money(base * rate / 100) - tax) > Decimal("0.01"):
        problems.append(
            _("VAT summary {rate}%: Imposta {tax} is not {base} × {rate}% (00421).").format(
                rate=rate, tax=tax, base=base
            )
        )
    if abs(sums.get(key, Decimal(0)) - base) > Decimal("1.00"):
        problems.append(
            _("VAT summary {rate}%: ImponibileImporto {base} differs from its lines (00422).").format(
                rate=rate, base=base
            )
        )
    if natura in GENERIC_NATURA:
        problems.append(_("VAT summary: the generic Natura {code} is refused by SDI.").format(code=natura))
    return problems


def validate(xml: bytes) -> list[str]:
    """Every problem of a FatturaPA file: XSD first, then the business rules."""
    errors = xsd_errors(xml)
    if errors:
        return errors
    return rule_errors(xml)


def build_valid_xml(context: dict[str, Any], progressive: str = "00001") -> bytes:
    """Build, validate, and raise :class:`FatturaPAError` with every problem found."""
    xml = build_xml(context, progressive)
    problems = validate(xml)
    if problems:
        raise FatturaPAError(problems)
    return xml
