"""The render context of quotes and invoices: ONE builder for every template (documents.md §4.2).

Input is plain data (:class:`DocumentInput`, made by the services from the database); output is the
JSON-serialisable data contract ``crm.docs.render-context/1``. All maths, rounding, formatting and
wording happen here, in the **document's** language (not the UI's); templates only display.
What differs between countries (VAT per line or per rate, tax ids, notices, payment QR codes) is
asked of the seller's country rules (:mod:`desktop_crm.countries`); this module assembles.

* Every amount appears raw (``"41990.00"``) and as ``*_text`` (localised, U+00A0 separators,
  :mod:`documents.formatting`).
* Dates appear as ISO and as ``*_text``; U+202F from babel is normalised to U+00A0.
* Images (logo, stamp, signature, QR code) are assets (:mod:`documents.assets`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop_crm import money, pricing
from desktop_crm.countries import Country, country
from desktop_crm.countries.base import Notices
from desktop_crm.countries.ru import rub_in_words
from desktop_crm.documents.assets import asset, qr_asset
from desktop_crm.documents.formatting import (
    amount_text,
    date_text,
    money_text,
    percent_text,
    plain,
    quantity_text,
    raw,
)
from desktop_crm.documents.kinds import kinds
from desktop_crm.documents.labels import labels
from desktop_crm.i18n import translator
from desktop_crm.i18n.formatting import babel_locale

SCHEMA = "crm.docs.render-context/1"
Pgettext = Callable[[str, str], str]


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
    custom: dict[str, str] = field(default_factory=dict)  # the client's custom fields, as text


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
    custom: dict[str, str] = field(default_factory=dict)  # the product's custom fields, as text


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
    source_kind: str = ""  # what a paper of another kind (act, УПД, DDT…) was made from
    source_number: str = ""
    source_date: dt.date | None = None
    manager: ManagerInput = field(default_factory=ManagerInput)
    options: dict[str, bool] = field(default_factory=dict)  # logo/stamp/signature/qr
    payment_method: str = "bank_transfer"
    generated_at: dt.datetime | None = None
    country: str = ""  # the VAT convention; defaults to the seller's country
    credited_number: str = ""  # a credit note (kind "credit_note"): the invoice it credits
    credited_date: dt.date | None = None
    custom: dict[str, str] = field(default_factory=dict)  # the deal's custom fields, as text

# ---------------------------------------------------------------------------------------------
# The builder


def _party(
    party: PartyInput, lab: dict[str, str], options: dict[str, bool], *, seller: bool
) -> dict[str, Any]:
    """A seller or buyer; its address and requisites line as the party's own country writes them."""
    own = country(party.country)
    address = own.address_text(party)
    parts = [party.name, *own.tax_ids(party, lab), address, *own.contact_parts(party, lab)]
    has_bank = any((party.bank_name, party.account, party.iban))
    result: dict[str, Any] = {
        "kind": party.kind,
        "name": party.name,
        "name_full": party.name_full or party.name,
        "ids": _ids(party),
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
        "bank": _bank(party) if has_bank else None,
        "requisites_line": ", ".join(p for p in parts if p),
        "custom": dict(party.custom),
    }
    result.update(_seller_parts(party, lab, options) if seller else _buyer_parts(party))
    return result


def _ids(party: PartyInput) -> dict[str, Any]:
    return {
        "inn": party.inn or None,
        "kpp": party.kpp or None,
        "ogrn": party.ogrn or None,
        "vat_number": party.vat_number or None,
        "tax_code": party.tax_code or None,
        "rea": party.rea or None,
        "share_capital_text": party.share_capital_text or None,
        "regime_fiscale": party.regime_fiscale or None,
    }


def _bank(party: PartyInput) -> dict[str, Any]:
    return {
        "name": party.bank_name or None,
        "city": party.bank_city or None,
        "bik": party.bik or None,
        "corr_account": party.corr_account or None,
        "account": party.account or None,
        "iban": party.iban or None,
        "bic": party.bic or None,
    }


def _seller_parts(party: PartyInput, lab: dict[str, str], options: dict[str, bool]) -> dict[str, Any]:
    head_title = lab["entrepreneur"] if party.kind == "sole_trader" else lab["head"]
    signature = asset(party.signature, 30) if options.get("signature") else None
    accountant = {
        "title": lab["accountant"],
        "position": None,
        "name": party.accountant_name or None,
        "signature": signature,
    }
    return {
        "signers": {
            "head": {
                "title": head_title,
                "position": party.head_position or None,
                "name": party.head_name or None,
                "signature": signature,
            },
            "accountant": accountant if party.kind != "sole_trader" else None,
        },
        "logo": asset(party.logo, 40) if options.get("logo", True) else None,
        "stamp": asset(party.stamp, 40) if options.get("stamp") else None,
        "show_mp": bool(options.get("stamp")),
    }


def _buyer_parts(party: PartyInput) -> dict[str, Any]:
    return {
        "addressee": party.addressee or None,
        "salutation": party.salutation or None,
        "attention_of": party.attention_of or None,
        "is_consumer": party.kind == "consumer",
    }


def _line(
    index: int, line: LineInput, result: pricing.LineResult, natura: str, rules: Country, language: str
) -> dict[str, Any]:
    pgettext = translator(language).pgettext
    shows_rate = bool(line.vat_rate) or rules.shows_zero_rate()
    return {
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
        "gross": raw(result.gross),
        "gross_text": amount_text(result.gross, language),
        "discount_amount": raw(result.discount),
        "discount_amount_text": amount_text(result.discount, language) if result.discount else "",
        "discount_text": percent_text(line.discount_percent, language) if line.discount_percent else "",
        "amount": raw(result.amount),
        "amount_text": amount_text(result.amount, language),
        "price_net": raw(_unit_net(result.net, line.quantity)),
        "price_net_text": amount_text(_unit_net(result.net, line.quantity), language),
        "net": raw(result.net),
        "net_text": amount_text(result.net, language),
        "total": raw(result.total),
        "total_text": amount_text(result.total, language),
        "vat_rate": plain(money.round_money(line.vat_rate)),
        "vat_rate_text": (
            percent_text(line.vat_rate, language) if shows_rate else pgettext("document", "no VAT")
        ),
        "vat_amount": raw(result.vat),
        "vat_amount_text": amount_text(result.vat, language),
        "natura": natura or None,
        "legal_ref": rules.legal_reference(natura),
        "custom": dict(line.custom),
    }


def _unit_net(net: Decimal, quantity: Decimal) -> Decimal:
    """The price per unit without VAT (УПД column 4): the line's net value over its quantity."""
    qty = money.to_decimal(quantity)
    return money.round_money(net / qty) if qty else net


def _breakdown(
    totals: pricing.Totals, rules: Country, vat_mode: str, vat_included: bool, language: str
) -> list[dict[str, Any]]:
    """The VAT summary rows: one per (rate, natura), labelled as the country words them."""
    rows = []
    for group in totals.groups:
        rate_text = percent_text(group.rate, language)
        label = rules.breakdown_label(rate_text, group.natura, vat_mode, vat_included, language)
        if label is None:
            continue
        rows.append(
            {
                "rate": plain(group.rate),
                "rate_text": rate_text,
                "natura": group.natura or None,
                "label": label,
                "base": raw(group.base),
                "base_text": amount_text(group.base, language),
                "vat": raw(group.vat),
                "vat_text": amount_text(group.vat, language),
                "legal_ref": rules.legal_reference(group.natura),
            }
        )
    return rows


def _terms(data: DocumentInput, pgettext: Pgettext) -> list[dict[str, str]]:
    default_labels = {
        "payment": pgettext("document", "Payment terms"),
        "delivery": pgettext("document", "Delivery"),
        "warranty": pgettext("document", "Warranty"),
        "other": pgettext("document", "Other terms"),
    }
    terms = []
    for term in data.terms or []:
        text = (term.get("text") or "").strip()
        if not text:
            continue
        key = term.get("key") or "other"
        terms.append({"key": key, "label": term.get("label") or default_labels.get(key, ""), "text": text})
    return terms


def _doc(data: DocumentInput, rules: Country, number_text: str, legal_notes: list[str]) -> dict[str, Any]:
    language = data.language
    pgettext = translator(language).pgettext
    long_dates = language == "ru"
    paper = kinds().get(data.kind)
    titled = paper is not None and bool(paper.title)
    notices = Notices() if titled else rules.notices(data.kind, language)
    revision_text = ""
    if data.kind == "quote" and data.revision > 1:
        revision_text = pgettext("document", "rev. {n}").format(n=data.revision)
    source_quote = None
    if data.source_quote_number:
        source_quote = {
            "number": data.source_quote_number,
            "date_text": date_text(data.source_quote_date, language),
        }
    validity_text = None
    if data.valid_until:
        validity_text = pgettext("document", "The offer is valid until {date}.").format(
            date=date_text(data.valid_until, language)
        )
    return {
        "kind": data.kind,
        "number": number_text,
        "number_internal": data.number_internal or data.number or None,
        "revision": data.revision,
        "revision_text": revision_text,
        "status": data.status,
        "date": data.date.isoformat(),
        "date_text": date_text(data.date, language, long=long_dates),
        "date_short_text": date_text(data.date, language),
        "title": paper.title_in(language) if paper is not None and titled else rules.document_title(
            data.kind, language),
        "source": _source(data, rules),
        "subject": data.subject or None,
        "intro": data.intro or None,
        "basis": data.basis or None,
        "valid_until": data.valid_until.isoformat() if data.valid_until else None,
        "valid_until_text": date_text(data.valid_until, language, long=long_dates),
        "due_date": data.due_date.isoformat() if data.due_date else None,
        "due_date_text": date_text(data.due_date, language),
        "source_quote": source_quote,
        "currency": data.currency,
        "prices_include_vat": data.vat_included,
        "terms": _terms(data, pgettext),
        "notes": data.notes or None,
        "header_text": notices.header_text,
        "legal_notes": legal_notes,
        "courtesy_notice": notices.courtesy_notice,
        "disclaimer": notices.disclaimer,
        "validity_text": validity_text,
        "credited": ({"number": data.credited_number, "date": data.credited_date.isoformat(),
                      "date_text": date_text(data.credited_date, language)}
                     if data.credited_number and data.credited_date else None),
    }


def _source(data: DocumentInput, rules: Country) -> dict[str, Any] | None:
    """The document a paper was made from (an act from an invoice…): its kind, number and date."""
    if not data.source_kind:
        return None
    return {
        "kind": data.source_kind,
        "title": rules.document_title(data.source_kind, data.language),
        "number": data.source_number or None,
        "date_text": date_text(data.source_date, data.language),
    }


def _totals(
    data: DocumentInput, totals: pricing.Totals, rules: Country, vat_mode: str,
    breakdown: list[dict[str, Any]], stamp_duty: Decimal, lines_count: int,
) -> dict[str, Any]:
    language = data.language
    pgettext = translator(language).pgettext
    grand_total = totals.grand_total
    summary_line = None
    if rules.shows_summary_line:
        currency_word = pgettext("document", "rub.") if data.currency == "RUB" else data.currency
        summary_line = pgettext("document", "Total items {count}, amount {amount} {currency}").format(
            count=lines_count, amount=amount_text(grand_total, language), currency=currency_word
        )
    in_words = rub_in_words(grand_total) if (language == "ru" and data.currency == "RUB") else None
    return {
        "lines_count": lines_count,
        "subtotal": raw(totals.subtotal),
        "subtotal_text": amount_text(totals.subtotal, language),
        "gross_total": raw(totals.subtotal + totals.discount_total),
        "gross_total_text": amount_text(totals.subtotal + totals.discount_total, language),
        "discount_total": raw(totals.discount_total),
        "discount_total_text": amount_text(totals.discount_total, language) if totals.discount_total else "",
        "net_total": raw(totals.net_total),
        "net_total_text": amount_text(totals.net_total, language),
        "vat_mode": vat_mode,
        "vat_breakdown": breakdown,
        "vat_total": raw(totals.vat_total),
        "vat_total_text": amount_text(totals.vat_total, language),
        "no_vat_label": pgettext("document", "Without tax (VAT)") if vat_mode == "none" else None,
        "stamp_duty": raw(stamp_duty),
        # the bollo reads consistently: charged to the client it is a line of the table (in the
        # total); paid virtually by the seller it is a legal note, never an amount beside the total
        "stamp_duty_text": "",
        "grand_total": raw(grand_total),
        "grand_total_text": amount_text(grand_total, language),
        "grand_total_currency_text": money_text(grand_total, data.currency, language),
        "grand_total_words": in_words,
        "summary_line": summary_line,
    }


def _payment(
    data: DocumentInput, rules: Country, options: dict[str, bool], number_text: str,
    grand_total: Decimal, breakdown: list[dict[str, Any]], vat_mode: str,
) -> dict[str, Any]:
    language = data.language
    pgettext = translator(language).pgettext
    terms_text = None
    if data.kind == "invoice" and data.due_date:
        terms_text = pgettext("document", "Pay by {date}").format(date=date_text(data.due_date, language))
    vat_texts = [(row["rate_text"], row["vat_text"]) for row in breakdown]
    date_short = date_text(data.date, language) or ""
    purpose = rules.payment_purpose(number_text, date_short, vat_texts, vat_mode, language)
    qr = None
    if data.kind == "invoice" and options.get("qr"):
        code = rules.payment_qr(data.seller, data.buyer, grand_total, purpose, data.currency)
        if code is not None:
            image = qr_asset(code.payload, code.width_mm)
            qr = {"standard": code.standard, "payload": code.payload, "image": image}
    return {
        "method": data.payment_method,
        "method_text": pgettext("document", "Bank transfer"),
        "mp_code": "MP05" if data.payment_method == "bank_transfer" else None,
        "tp_code": "TP02",
        "terms_text": terms_text,
        "purpose": purpose,
        "qr": qr,
    }


def build_context(data: DocumentInput) -> dict[str, Any]:
    """The data contract of documents.md §4.2 for one quote or invoice."""
    language = data.language
    code = (data.country or data.seller.country or "RU").upper()
    rules = country(code)
    # a credit note prints in the invoice's layout, titled and referring to the invoice it credits
    layout = "invoice" if data.kind == "credit_note" else data.kind
    # the layout is the seller's country's (its rules: a Russian счёт's bank block and «В том числе
    # НДС», an Italian fattura's «Totale imponibile» and bollo), its labels in the document's language
    template = f"{rules.document_language}.{layout}"
    lab = labels(language, data.kind)
    paper = kinds().get(data.kind)
    if paper is not None:
        lab.update(paper.labels_in(language))
    options = {"logo": True, "stamp": False, "signature": False, "qr": rules.qr_by_default}
    options.update(data.options or {})

    naturas = [
        rules.line_natura(line.natura, money.to_decimal(line.vat_rate), data.seller) for line in data.lines
    ]
    line_inputs = [
        pricing.LineInput(line.quantity, line.price, line.discount_percent, line.vat_rate, natura)
        for line, natura in zip(data.lines, naturas, strict=True)
    ]
    totals = pricing.compute(line_inputs, country=code, vat_included=data.vat_included)
    all_zero = all(money.to_decimal(li.vat_rate) == 0 for li in line_inputs)
    vat_mode = rules.vat_mode(data.vat_included, all_zero)
    lines = [
        _line(index, line, result, natura, rules, language)
        for index, (line, result, natura) in enumerate(zip(data.lines, totals.lines, naturas, strict=True), 1)
    ]
    breakdown = _breakdown(totals, rules, vat_mode, data.vat_included, language)
    notes = rules.legal_notes(totals.groups, data.seller)
    number_text = data.number or translator(language).pgettext("document", "(draft)")
    generated = data.generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    manager = None
    if data.manager.name:
        manager = {
            "name": data.manager.name or None,
            "position": data.manager.position or None,
            "phone": data.manager.phone or None,
            "email": data.manager.email or None,
            "photo": None,
        }
    return {
        "schema": SCHEMA,
        "template": template,
        "locale": babel_locale(language),
        "language": language,
        "generated_at": generated.isoformat(),
        "doc": _doc(data, rules, number_text, notes.notes),
        "seller": _party(data.seller, lab, options, seller=True),
        "buyer": _party(data.buyer, lab, options, seller=False),
        "manager": manager,
        "lines": lines,
        "totals": _totals(data, totals, rules, vat_mode, breakdown, notes.stamp_duty, len(lines)),
        "payment": _payment(data, rules, options, number_text, totals.grand_total, breakdown, vat_mode),
        "labels": lab,
        "custom": dict(data.custom),
    }


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
