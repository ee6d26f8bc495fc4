"""The render context of quotes and invoices: ONE builder for every template (documents.md §4.2).

Input is plain data (:class:`DocumentInput`, made by the services from the database); output is the
JSON-serialisable data contract ``crm.docs.render-context/1``. All maths, rounding, formatting and
wording happen here, in the **document's** language (not the UI's); templates only display.

* Every amount appears raw (``"41990.00"``) and as ``*_text`` (localised, U+00A0 separators).
* Dates appear as ISO and as ``*_text``; U+202F from babel is normalised to U+00A0.
* Images (logo, stamp, signature, QR code) are assets ``{"src": data-URI, "mime", "width_mm"}``;
  a QR code's data-URI names :data:`PIXELATED` (drawn without smoothing).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal

from desktop_crm import money, pricing
from desktop_crm.i18n import translator
from desktop_crm.i18n.formatting import babel_locale

SCHEMA = "crm.docs.render-context/1"
NBSP = "\u00a0"
TEMPLATE_IDS = ("ru.quote", "ru.invoice", "it.quote", "it.invoice")


@dataclass
class PartyInput:
    name: str = ""
    name_full: str = ""
    kind: str = "company"  # company | sole_trader | consumer
    country: str = "RU"
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    vat_number: str = ""
    tax_code: str = ""
    rea: str = ""
    share_capital_text: str = ""
    regime_fiscale: str = ""
    street: str = ""
    zip: str = ""
    city: str = ""
    province: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    pec: str = ""
    sdi_code: str = ""
    bank_name: str = ""
    bank_city: str = ""
    bik: str = ""
    corr_account: str = ""
    account: str = ""
    iban: str = ""
    bic: str = ""
    head_name: str = ""
    head_position: str = ""
    accountant_name: str = ""
    logo: bytes | None = None
    stamp: bytes | None = None
    signature: bytes | None = None
    addressee: str = ""
    salutation: str = ""
    attention_of: str = ""


@dataclass
class LineInput:
    name: str
    quantity: Decimal
    price: Decimal
    unit: str = ""
    unit_code: str = ""
    sku: str = ""
    description: str = ""
    discount_percent: Decimal = Decimal(0)
    vat_rate: Decimal = Decimal(0)
    natura: str = ""
    image: bytes | None = None


@dataclass
class ManagerInput:
    name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class DocumentInput:
    kind: str  # quote | invoice
    language: str  # ru | it (the document's language)
    seller: PartyInput
    buyer: PartyInput
    lines: list[LineInput]
    date: dt.date
    number: str = ""
    number_internal: str = ""
    revision: int = 1
    status: str = "draft"
    currency: str = "RUB"
    vat_included: bool = True
    valid_until: dt.date | None = None
    due_date: dt.date | None = None
    subject: str = ""
    intro: str = ""
    basis: str = ""
    terms: list[dict[str, str]] = field(default_factory=list)  # {"key", "label"?, "text"}
    notes: str = ""
    source_quote_number: str = ""
    source_quote_date: dt.date | None = None
    manager: ManagerInput = field(default_factory=ManagerInput)
    options: dict[str, bool] = field(default_factory=dict)  # logo/stamp/signature/qr
    payment_method: str = "bank_transfer"
    generated_at: dt.datetime | None = None
    country: str = ""  # the VAT convention; defaults to the seller's country


# ---------------------------------------------------------------------------------------------
# Formatting helpers (all round half-up first: babel would round half-even)


def _norm(text: str) -> str:
    return text.replace("\u202f", NBSP)


def amount_text(value: Decimal, language: str) -> str:
    return _norm(
        format_decimal(money.round_money(value), format="#,##0.00", locale=babel_locale(language))
    )


def money_text(value: Decimal, currency: str, language: str) -> str:
    return _norm(format_currency(money.round_money(value), currency, locale=babel_locale(language)))


def quantity_text(value: Decimal, language: str) -> str:
    rounded = money.round_qty(value).normalize()
    if rounded == rounded.to_integral():
        rounded = rounded.quantize(Decimal(1))
    return _norm(format_decimal(rounded, locale=babel_locale(language), decimal_quantization=False))


def percent_text(rate: Decimal, language: str) -> str:
    rate = money.round_money(rate).normalize()
    if rate == rate.to_integral():
        rate = rate.quantize(Decimal(1))
    number = format_decimal(rate, locale=babel_locale(language), decimal_quantization=False)
    return _norm(f"{number}{NBSP}%" if language == "ru" else f"{number}%")


def date_text(value: dt.date | None, language: str, long: bool = False) -> str | None:
    if value is None:
        return None
    if language == "ru":
        pattern = f"d MMMM y{NBSP}'г.'" if long else "dd.MM.yyyy"
    elif language == "it":
        pattern = "d MMMM y" if long else "dd/MM/yyyy"
    else:
        pattern = "MMMM d, y" if long else "yyyy-MM-dd"
    return _norm(babel_format_date(value, pattern, locale=babel_locale(language)))


def plain(value: Decimal) -> str:
    """A Decimal without trailing zeros and never in exponent form: 10, 2.5."""
    text = format(money.to_decimal(value).normalize(), "f")
    return text


def raw(value: Decimal) -> str:
    return str(money.round_money(value))


def rub_in_words(amount: Decimal) -> str:
    """«Сорок одна тысяча девятьсот девяносто рублей 00 копеек» (1C style, kopecks as digits).

    num2words reads an ``int`` as kopecks and a float inexactly: it always gets a ``Decimal``
    rounded half-up to the kopeck.
    """
    from num2words import num2words

    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int, str)):
        raise TypeError("rub_in_words takes a Decimal")
    value = money.round_money(money.to_decimal(amount))
    text = num2words(value, lang="ru", to="currency", currency="RUB", cents=False, separator="")
    return text[:1].upper() + text[1:]


def eur_in_words(amount: Decimal) -> str:
    from num2words import num2words

    value = money.round_money(money.to_decimal(amount))
    return num2words(value, lang="it", to="currency", currency="EUR")


# ---------------------------------------------------------------------------------------------
# Payment QR codes


def _qr_value(text: str) -> str:
    return " ".join(text.replace("|", " ").replace(NBSP, " ").split())


def gost_payload(
    seller: PartyInput, total: Decimal, purpose: str, payer_inn: str = ""
) -> str:
    """ГОСТ Р 56042-2014 payment order, UTF-8 (``ST00012``); ``|`` is removed from values."""
    fields = [
        ("Name", _qr_value(seller.name or seller.name_full)[:160]),
        ("PersonalAcc", _qr_value(seller.account)),
        ("BankName", _qr_value(seller.bank_name)[:45]),
        ("BIC", _qr_value(seller.bik)),
        ("CorrespAcc", _qr_value(seller.corr_account) or "0"),
        ("PayeeINN", _qr_value(seller.inn)),
        ("KPP", _qr_value(seller.kpp)),
        ("Sum", str(int(money.round_money(total) * 100))),
        ("Purpose", _qr_value(purpose)[:160]),
        ("PayerINN", _qr_value(payer_inn)),
    ]
    return "ST00012|" + "|".join(f"{key}={value}" for key, value in fields if value)


def epc_payload(seller: PartyInput, total: Decimal, text: str) -> str:
    """EPC069-12 SEPA credit transfer (version 002, UTF-8)."""
    amount = money.round_money(total)
    return "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            seller.bic.strip(),
            (seller.name_full or seller.name)[:70],
            seller.iban.replace(" ", ""),
            f"EUR{amount}",
            "",
            "",
            text[:140],
        ]
    )


def qr_asset(payload: str, width_mm: int = 35) -> dict[str, Any]:
    return asset(qr_png(payload), width_mm, pixelated=True)  # type: ignore[return-value]


@lru_cache(maxsize=32)
def qr_png(payload: str, scale: int = 1, border: int = 2) -> bytes:
    """The QR code as an 8-bit grey PNG with segno's pixels, one pixel a module by default.

    Not segno's own 1-bit PNG: weasyprint converts a 1-bit or palette image to RGB and re-encodes
    it twice on every PDF render, while a grey PNG goes into the PDF with a single re-encode; at
    one pixel a module that re-encode is of 5,000 pixels instead of 340,000 (8 pixels a module),
    and the asset is drawn without smoothing (see :data:`PIXELATED`). Cached per payload: a
    draft's preview is rendered again and again with the same code (segno spends ~20 ms choosing
    the mask).
    """
    import segno
    from PIL import Image

    code = segno.make(payload, error="m", encoding="utf-8", micro=False)
    width, height = code.symbol_size(scale=1, border=border)
    pixels = bytes(0 if dark else 255 for row in code.matrix_iter(scale=1, border=border) for dark in row)
    image = Image.frombytes("L", (width, height), pixels)
    if scale != 1:
        image = image.resize((width * scale, height * scale), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# The media-type parameter of an asset whose pixels are to be drawn as squares, never smoothed
# (a QR code at one pixel a module): in every template the PDF draws it with ``image-rendering:
# pixelated`` and the Word file gets it enlarged without smoothing (documents/render.py).
PIXELATED = "rendering=pixelated"


def asset(data: bytes | None, width_mm: int, pixelated: bool = False) -> dict[str, Any] | None:
    if not data:
        return None
    mime = "image/png"
    if data[:3] == b"\xff\xd8\xff":
        mime = "image/jpeg"
    elif data.lstrip()[:4] in (b"<svg", b"<?xm"):
        mime = "image/svg+xml"
    encoded = base64.b64encode(data).decode("ascii")
    media = f"{mime};{PIXELATED}" if pixelated and mime == "image/png" else mime
    return {"src": f"data:{media};base64,{encoded}", "mime": mime, "width_mm": width_mm}


# ---------------------------------------------------------------------------------------------
# Labels: translated into the document's language


def labels(language: str, kind: str) -> dict[str, str]:
    t = translator(language)
    pgettext = t.pgettext
    is_invoice = kind == "invoice"
    result = {
        "col_n": pgettext("document", "No."),
        "col_sku": pgettext("document", "Code"),
        "col_name": pgettext("document", "Goods (works, services)")
        if is_invoice
        else pgettext("document", "Description"),
        "col_qty": pgettext("document", "Qty"),
        "col_unit": pgettext("document", "Unit"),
        "col_price": pgettext("document", "Price"),
        "col_discount": pgettext("document", "Discount"),
        "col_amount": pgettext("document", "Amount"),
        "col_vat": pgettext("document", "VAT %"),
        "total": pgettext("document", "Total:"),
        "discount_total": pgettext("document", "Discount:"),
        "vat_included": pgettext("document", "Including VAT:"),
        "vat_on_top": pgettext("document", "VAT amount:"),
        "net_total": pgettext("document", "Taxable amount"),
        "grand_total": pgettext("document", "Total due:")
        if is_invoice
        else pgettext("document", "Grand total:"),
        "supplier": pgettext("document", "Supplier (Contractor):"),
        "buyer": pgettext("document", "Buyer (Customer):"),
        "seller_it": pgettext("document", "Seller"),
        "buyer_it": pgettext("document", "Customer"),
        "basis": pgettext("document", "Basis:"),
        "bank": pgettext("document", "Payee's bank"),
        "recipient": pgettext("document", "Payee"),
        "bik": pgettext("document", "BIK"),
        "account_no": pgettext("document", "Acc. No."),
        "inn": pgettext("document", "INN"),
        "kpp": pgettext("document", "KPP"),
        "ogrn": pgettext("document", "OGRN"),
        "vat_number": pgettext("document", "VAT No."),
        "tax_code": pgettext("document", "Tax code"),
        "rea": pgettext("document", "REA"),
        "iban": pgettext("document", "IBAN"),
        "pec": pgettext("document", "PEC"),
        "sdi_code": pgettext("document", "Recipient code"),
        "phone": pgettext("document", "tel."),
        "email": pgettext("document", "e-mail"),
        "mp": pgettext("document", "Seal"),
        "head": pgettext("document", "Director"),
        "accountant": pgettext("document", "Accountant"),
        "entrepreneur": pgettext("document", "Entrepreneur"),
        "valid_until": pgettext("document", "Valid until"),
        "due_date": pgettext("document", "Due date"),
        "payment_terms": pgettext("document", "Payment"),
        "subject": pgettext("document", "Subject:"),
        "contact_person": pgettext("document", "Your contact"),
        "addressee_prefix": pgettext("document", "To"),
        "attention_of": pgettext("document", "for the attention of"),
        "acceptance": pgettext("document", "For acceptance"),
        "acceptance_date": pgettext("document", "Date"),
        "stamp_and_signature": pgettext("document", "Stamp and signature"),
        "prices_vat_included": pgettext("document", "Prices include VAT."),
        "prices_vat_excluded": pgettext("document", "Prices exclude VAT."),
        "page": pgettext("document", "Page"),
        "page_of": pgettext("document", "of"),
        "notes": pgettext("document", "Notes"),
        "invoice_from_quote": pgettext("document", "Quote ref."),
        "payment_qr": pgettext("document", "Pay by QR code"),
        "vat_breakdown": pgettext("document", "VAT summary"),
        "col_base": pgettext("document", "Taxable amount"),
        "col_vat_amount": pgettext("document", "VAT"),
        "col_natura": pgettext("document", "Nature"),
    }
    result["number_sign"] = pgettext("document", "no.")
    result["dated"] = pgettext("document", "dated")
    result["outgoing"] = pgettext("document", "Ref.")
    result["addressee_it"] = pgettext("document", "Messrs.")
    result["without_vat"] = pgettext("document", "Without tax (VAT)")
    result["payment_method"] = pgettext("document", "Payment method")
    result["legal_ref"] = pgettext("document", "Legal reference")
    result["stamp_duty"] = pgettext("document", "Stamp duty")
    result["page_x_of_y"] = f"{result['page']} {{x}} {result['page_of']} {{y}}"
    return result


def document_title(language: str, kind: str, country: str) -> str:
    t = translator(language)
    pgettext = t.pgettext
    if kind == "quote":
        return pgettext("document", "Commercial proposal") if country == "RU" else pgettext(
            "document", "Quote"
        )
    return pgettext("document", "Invoice for payment") if country == "RU" else pgettext(
        "document", "Invoice"
    )


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


# ---------------------------------------------------------------------------------------------
# The builder


def _address_text(party: PartyInput) -> str:
    if party.country == "IT":
        city = " ".join(p for p in (party.zip, party.city) if p)
        if party.province:
            city = f"{city} ({party.province})"
        return ", ".join(p for p in (party.street, city) if p)
    return ", ".join(p for p in (party.zip, party.city, party.street) if p)


def _party(party: PartyInput, language: str, lab: dict[str, str], options: dict[str, bool], *, seller: bool) -> dict[str, Any]:
    address = _address_text(party)
    ids = {
        "inn": party.inn or None,
        "kpp": party.kpp or None,
        "ogrn": party.ogrn or None,
        "vat_number": party.vat_number or None,
        "tax_code": party.tax_code or None,
        "rea": party.rea or None,
        "share_capital_text": party.share_capital_text or None,
        "regime_fiscale": party.regime_fiscale or None,
    }
    if party.country == "RU":
        parts = [party.name]
        if party.inn:
            parts.append(f"{lab['inn']} {party.inn}")
        if party.kpp and party.kind != "sole_trader":
            parts.append(f"{lab['kpp']} {party.kpp}")
        if address:
            parts.append(address)
        if party.phone:
            parts.append(f"{lab['phone']}: {party.phone}")
    else:
        parts = [party.name]
        if party.vat_number:
            parts.append(f"{lab['vat_number']} {party.vat_number}")
        if party.tax_code and party.tax_code != party.vat_number:
            parts.append(f"{lab['tax_code']} {party.tax_code}")
        if address:
            parts.append(address)
    has_bank = any((party.bank_name, party.account, party.iban))
    result: dict[str, Any] = {
        "kind": party.kind,
        "name": party.name,
        "name_full": party.name_full or party.name,
        "ids": ids,
        "address": {
            "text": address or None,
            "street": party.street or None,
            "house": None,
            "zip": party.zip or None,
            "city": party.city or None,
            "province": party.province or None,
            "country": party.country,
        },
        "phone": party.phone or None,
        "email": party.email or None,
        "website": party.website or None,
        "pec": party.pec or None,
        "sdi_code": party.sdi_code or None,
        "bank": {
            "name": party.bank_name or None,
            "city": party.bank_city or None,
            "bik": party.bik or None,
            "corr_account": party.corr_account or None,
            "account": party.account or None,
            "iban": party.iban or None,
            "bic": party.bic or None,
        }
        if has_bank
        else None,
        "requisites_line": ", ".join(p for p in parts if p),
    }
    if seller:
        head_title = lab["entrepreneur"] if party.kind == "sole_trader" else lab["head"]
        signature = asset(party.signature, 30) if options.get("signature") else None
        result["signers"] = {
            "head": {
                "title": head_title,
                "position": party.head_position or None,
                "name": party.head_name or None,
                "signature": signature,
            },
            "accountant": {
                "title": lab["accountant"],
                "position": None,
                "name": party.accountant_name or None,
                "signature": signature,
            }
            if party.kind != "sole_trader"
            else None,
        }
        result["logo"] = asset(party.logo, 40) if options.get("logo", True) else None
        result["stamp"] = asset(party.stamp, 40) if options.get("stamp") else None
        result["show_mp"] = bool(options.get("stamp"))
    else:
        result["addressee"] = party.addressee or None
        result["salutation"] = party.salutation or None
        result["attention_of"] = party.attention_of or None
        result["is_consumer"] = party.kind == "consumer"
    return result


def build_context(data: DocumentInput) -> dict[str, Any]:
    """The data contract of documents.md §4.2 for one quote or invoice."""
    language = data.language
    country = (data.country or data.seller.country or "RU").upper()
    template = f"{language}.{data.kind}" if language in ("ru", "it") else f"{country.lower()}.{data.kind}"
    t = translator(language)
    pgettext = t.pgettext
    lab = labels(language, data.kind)
    options = {"logo": True, "stamp": False, "signature": False, "qr": country == "RU"}
    options.update(data.options or {})
    forfettario = data.seller.regime_fiscale == "RF19"

    line_inputs = []
    for line in data.lines:
        natura = line.natura
        if country == "IT" and money.to_decimal(line.vat_rate) == 0 and not natura and forfettario:
            natura = "N2.2"
        line_inputs.append(
            pricing.LineInput(line.quantity, line.price, line.discount_percent, line.vat_rate, natura)
        )
    totals = pricing.compute(line_inputs, country=country, vat_included=data.vat_included)
    all_zero = all(money.to_decimal(li.vat_rate) == 0 for li in line_inputs) if line_inputs else True
    if country == "RU" and all_zero:
        vat_mode = "none"
    else:
        vat_mode = "included" if data.vat_included else "on_top"

    lines = []
    for index, (line, result, computed) in enumerate(zip(data.lines, totals.lines, line_inputs), 1):
        natura = computed.natura or None
        lines.append(
            {
                "n": index,
                "sku": line.sku or None,
                "name": line.name,
                "description": line.description or None,
                "image": asset(line.image, 25),
                "qty": plain(money.round_qty(line.quantity)),
                "qty_text": quantity_text(line.quantity, language),
                "unit": line.unit or None,
                "unit_code": line.unit_code or None,
                "price": raw(line.price),
                "price_text": amount_text(line.price, language),
                "discount_percent": plain(money.round_money(line.discount_percent)),
                "discount_amount": raw(result.discount),
                "discount_text": percent_text(line.discount_percent, language)
                if line.discount_percent
                else "",
                "amount": raw(result.amount),
                "amount_text": amount_text(result.amount, language),
                "vat_rate": plain(money.round_money(line.vat_rate)),
                "vat_rate_text": percent_text(line.vat_rate, language)
                if (line.vat_rate or country == "IT")
                else pgettext("document", "no VAT"),
                "vat_amount": raw(result.vat),
                "vat_amount_text": amount_text(result.vat, language),
                "natura": natura,
                "legal_ref": NATURA_REFERENCES.get(natura or "") if natura else None,
            }
        )

    breakdown = []
    for group in totals.groups:
        rate_text = percent_text(group.rate, language)
        if country == "RU":
            if vat_mode == "none":
                continue
            label = (
                pgettext("document", "Including VAT {rate}:").format(rate=rate_text)
                if data.vat_included
                else pgettext("document", "VAT {rate}:").format(rate=rate_text)
            )
        else:
            label = pgettext("document", "VAT {rate}").format(rate=rate_text)
            if group.natura:
                label = f"{label} ({group.natura})"
        breakdown.append(
            {
                "rate": plain(group.rate),
                "rate_text": rate_text,
                "natura": group.natura or None,
                "label": label,
                "base": raw(group.base),
                "base_text": amount_text(group.base, language),
                "vat": raw(group.vat),
                "vat_text": amount_text(group.vat, language),
                "legal_ref": NATURA_REFERENCES.get(group.natura) if group.natura else None,
            }
        )

    stamp_duty = Decimal("0.00")
    legal_notes: list[str] = []
    if country == "IT":
        non_vat = sum((g.base for g in totals.groups if g.natura and g.rate == 0), Decimal("0.00"))
        if non_vat > BOLLO_THRESHOLD:
            stamp_duty = BOLLO_AMOUNT
        if forfettario:
            legal_notes.append(FORFETTARIO_NOTE)
        for group in totals.groups:
            ref = NATURA_REFERENCES.get(group.natura) if group.natura else None
            if ref and not (forfettario and group.natura == "N2.2") and ref not in legal_notes:
                legal_notes.append(ref)
        if stamp_duty:
            legal_notes.append(BOLLO_NOTE)

    grand_total = totals.grand_total
    number_text = data.number or pgettext("document", "(draft)")
    date_short = date_text(data.date, language)
    currency_word = pgettext("document", "rub.") if data.currency == "RUB" else data.currency
    summary_line = pgettext("document", "Total items {count}, amount {amount} {currency}").format(
        count=len(lines), amount=amount_text(grand_total, language), currency=currency_word
    )

    # Payment
    due_text = date_text(data.due_date, language)
    if data.kind == "invoice" and data.due_date:
        terms_text = pgettext("document", "Pay by {date}").format(date=due_text)
    else:
        terms_text = None
    if country == "RU":
        if vat_mode == "none":
            vat_words = pgettext("document", "without VAT")
        else:
            vat_words = ", ".join(
                pgettext("document", "incl. VAT {rate} {amount} rub.").format(
                    rate=g["rate_text"], amount=g["vat_text"]
                )
                for g in breakdown
            )
        purpose = pgettext("document", "Payment under invoice No. {number} of {date}").format(
            number=number_text, date=date_short
        )
        purpose = f"{purpose}, {vat_words}"
    else:
        purpose = pgettext("document", "Invoice {number} of {date}").format(
            number=number_text, date=date_short
        )
    qr = None
    if data.kind == "invoice" and options.get("qr"):
        if country == "RU" and data.seller.account and data.seller.bik and data.currency == "RUB":
            payload = gost_payload(data.seller, grand_total, purpose, data.buyer.inn)
            qr = {"standard": "gost_r_56042", "payload": payload, "image": qr_asset(payload)}
        elif country == "IT" and data.seller.iban and data.currency == "EUR":
            payload = epc_payload(data.seller, grand_total, purpose)
            qr = {"standard": "epc_069_12", "payload": payload, "image": qr_asset(payload, 30)}
    method_text = pgettext("document", "Bank transfer")

    terms = []
    default_term_labels = {
        "payment": pgettext("document", "Payment terms"),
        "delivery": pgettext("document", "Delivery"),
        "warranty": pgettext("document", "Warranty"),
        "other": pgettext("document", "Other terms"),
    }
    for term in data.terms or []:
        text = (term.get("text") or "").strip()
        if not text:
            continue
        key = term.get("key") or "other"
        terms.append({"key": key, "label": term.get("label") or default_term_labels.get(key, ""), "text": text})

    revision_text = ""
    if data.kind == "quote" and data.revision > 1:
        revision_text = pgettext("document", "rev. {n}").format(n=data.revision)

    generated = data.generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    ctx: dict[str, Any] = {
        "schema": SCHEMA,
        "template": template,
        "locale": babel_locale(language),
        "language": language,
        "generated_at": generated.isoformat(),
        "doc": {
            "kind": data.kind,
            "number": number_text,
            "number_internal": data.number_internal or data.number or None,
            "revision": data.revision,
            "revision_text": revision_text,
            "status": data.status,
            "date": data.date.isoformat(),
            "date_text": date_text(data.date, language, long=(language == "ru")),
            "date_short_text": date_short,
            "title": document_title(language, data.kind, country),
            "subject": data.subject or None,
            "intro": data.intro or None,
            "basis": data.basis or None,
            "valid_until": data.valid_until.isoformat() if data.valid_until else None,
            "valid_until_text": date_text(data.valid_until, language, long=(language == "ru")),
            "due_date": data.due_date.isoformat() if data.due_date else None,
            "due_date_text": due_text,
            "source_quote": {
                "number": data.source_quote_number,
                "date_text": date_text(data.source_quote_date, language),
            }
            if data.source_quote_number
            else None,
            "currency": data.currency,
            "prices_include_vat": data.vat_included,
            "terms": terms,
            "notes": data.notes or None,
            "header_text": pgettext(
                "document",
                "Attention! Payment of this invoice means agreement with the terms of delivery. "
                "Goods are released after the money reaches the supplier's account.",
            )
            if (data.kind == "invoice" and country == "RU")
            else None,
            "legal_notes": legal_notes,
            "courtesy_notice": COURTESY_NOTICE if (data.kind == "invoice" and country == "IT") else None,
            "disclaimer": pgettext("document", "This proposal is not a public offer.")
            if (data.kind == "quote" and country == "RU")
            else None,
            "validity_text": pgettext("document", "The offer is valid until {date}.").format(
                date=date_text(data.valid_until, language)
            )
            if data.valid_until
            else None,
        },
        "seller": _party(data.seller, language, lab, options, seller=True),
        "buyer": _party(data.buyer, language, lab, options, seller=False),
        "manager": {
            "name": data.manager.name or None,
            "position": data.manager.position or None,
            "phone": data.manager.phone or None,
            "email": data.manager.email or None,
            "photo": None,
        }
        if data.manager.name
        else None,
        "lines": lines,
        "totals": {
            "lines_count": len(lines),
            "subtotal": raw(totals.subtotal),
            "subtotal_text": amount_text(totals.subtotal, language),
            "discount_total": raw(totals.discount_total),
            "discount_total_text": amount_text(totals.discount_total, language)
            if totals.discount_total
            else "",
            "net_total": raw(totals.net_total),
            "net_total_text": amount_text(totals.net_total, language),
            "vat_mode": vat_mode,
            "vat_breakdown": breakdown,
            "vat_total": raw(totals.vat_total),
            "vat_total_text": amount_text(totals.vat_total, language),
            "no_vat_label": pgettext("document", "Without tax (VAT)") if vat_mode == "none" else None,
            "stamp_duty": raw(stamp_duty),
            "stamp_duty_text": amount_text(stamp_duty, language) if stamp_duty else "",
            "grand_total": raw(grand_total),
            "grand_total_text": amount_text(grand_total, language),
            "grand_total_currency_text": money_text(grand_total, data.currency, language),
            "grand_total_words": rub_in_words(grand_total)
            if (language == "ru" and data.currency == "RUB")
            else None,
            "summary_line": summary_line if country == "RU" else None,
        },
        "payment": {
            "method": data.payment_method,
            "method_text": method_text,
            "mp_code": "MP05" if data.payment_method == "bank_transfer" else None,
            "tp_code": "TP02",
            "terms_text": terms_text,
            "purpose": purpose,
            "qr": qr,
        },
        "labels": lab,
    }
    return ctx


def sample_input(language: str = "ru", kind: str = "invoice") -> DocumentInput:
    """A complete document of the worked examples (documents.md), for the linter and benchmarks."""
    if language == "it":
        seller = PartyInput(
            name="Rossi S.r.l.", country="IT", vat_number="01234560124", tax_code="01234560124",
            rea="RM-1234567", share_capital_text="10.000,00 € i.v.", regime_fiscale="RF01",
            street="Via Roma 1", zip="00100", city="Roma", province="RM", phone="+39 06 000000",
            email="info@rossi.it", pec="rossi@pec.it", iban="IT60X0542811101000000123456",
            bank_name="Banca Popolare", head_name="Mario Rossi", head_position="Amministratore",
        )
        buyer = PartyInput(
            name="Bianchi S.p.A.", country="IT", vat_number="12345670017", street="Corso Italia 10",
            zip="20100", city="Milano", province="MI", sdi_code="0000000",
            attention_of="Sig. Luigi Verdi",
        )
        lines = [
            LineInput("Licenza software annuale – Pro", Decimal("2"), Decimal("12500.00"), "pz",
                      sku="LIC-PRO", discount_percent=Decimal("10"), vat_rate=Decimal("22")),
            LineInput("Installazione e formazione", Decimal("1"), Decimal("4990.00"), "ore",
                      vat_rate=Decimal("22")),
        ]
        return DocumentInput(
            kind=kind, language="it", seller=seller, buyer=buyer, lines=lines,
            date=dt.date(2026, 11, 25), number="2026/0042" if kind == "invoice" else "PRV-2026-0017",
            currency="EUR", vat_included=False, valid_until=dt.date(2026, 12, 25),
            due_date=dt.date(2026, 12, 25), subject="Fornitura licenze software",
            terms=[{"key": "payment", "text": "Bonifico bancario 30 gg d.f."}],
            manager=ManagerInput("Giulia Neri", "Commerciale", "+39 333 000000", "g.neri@rossi.it"),
            generated_at=dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC),
        )
    seller = PartyInput(
        name='ООО "Ромашка"', name_full='Общество с ограниченной ответственностью "Ромашка"',
        country="RU", inn="7701234567", kpp="770101001", ogrn="1027700132195",
        street="ул. Ленина, д. 1", zip="123456", city="г. Москва", phone="+7 495 000-00-00",
        email="info@romashka.ru", bank_name="ПАО СБЕРБАНК", bank_city="г. Москва",
        bik="044525225", corr_account="30101810400000000225", account="40702810938000000001",
        head_name="Иванов И. И.", head_position="Генеральный директор",
        accountant_name="Петрова А. А.",
    )
    buyer = PartyInput(
        name='ООО "Лютик"', country="RU", inn="7702345678", kpp="770201001",
        street="ул. Тверская, д. 7", zip="125009", city="г. Москва",
        addressee="Генеральному директору ООО «Лютик» Петрову П. П.",
        salutation="Уважаемый Пётр Петрович!",
    )
    lines = [
        LineInput("Ноутбук", Decimal("1"), Decimal("35990.00"), "шт", "796", sku="NB-15",
                  vat_rate=Decimal("22")),
        LineInput("Мышь беспроводная", Decimal("2"), Decimal("1500.00"), "шт", "796",
                  vat_rate=Decimal("22")),
        LineInput("Доставка", Decimal("1"), Decimal("3000.00"), "усл", vat_rate=Decimal("22")),
    ]
    return DocumentInput(
        kind=kind, language="ru", seller=seller, buyer=buyer, lines=lines,
        date=dt.date(2026, 11, 25), number="123" if kind == "invoice" else "КП-2026-0017",
        currency="RUB", vat_included=True, valid_until=dt.date(2026, 12, 25),
        due_date=dt.date(2026, 12, 2), subject="на поставку компьютерной техники",
        intro="Благодарим за интерес к нашей продукции.",
        basis="Договор № 15 от 01.10.2026" if kind == "invoice" else "",
        terms=[{"key": "payment", "text": "100 % предоплата по счёту"},
               {"key": "delivery", "text": "5 рабочих дней с момента оплаты"}],
        manager=ManagerInput("Сидоров С. С.", "Менеджер по продажам", "+7 900 000-00-00",
                             "sidorov@romashka.ru"),
        generated_at=dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC),
    )
