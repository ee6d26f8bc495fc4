"""Italy: VAT once per rate and nature (FatturaPA), Partita IVA / codice fiscale, stamp duty and
legal notes, the EPC payment QR code, FatturaPA e-invoices."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from desktop_crm.countries.base import (
    EInvoice,
    GenericCountry,
    LegalNotes,
    Notices,
    Party,
    PaymentQr,
    RequisiteChecks,
    VatGroup,
    VatPeriod,
)
from desktop_crm.countries.it import fatturapa, requisites
from desktop_crm.countries.it.notes import (
    BOLLO_AMOUNT,
    BOLLO_NOTE,
    BOLLO_THRESHOLD,
    COURTESY_NOTICE,
    FORFETTARIO_NOTE,
    NATURA_REFERENCES,
)
from desktop_crm.countries.it.payment import epc_payload
from desktop_crm.i18n import N_, _

FORFETTARIO = "RF19"  # regime fiscale of the flat-rate scheme: no VAT, nature N2.2


class FatturaPA:
    """Italy's e-invoice: FPR12 XML checked against the XSD and the SDI rules."""

    def build(self, context: dict[str, Any], progressive: str) -> bytes:
        return fatturapa.build_valid_xml(context, progressive)

    def file_name(self, context: dict[str, Any], progressive: str) -> str:
        return fatturapa.file_name(context, progressive)


class Italy(GenericCountry):
    code = "IT"
    name = N_("Italy")
    currency = "EUR"
    document_language = "it"
    invoice_due_days = 30
    uses_natura = True
    requisites_title = N_("Italian requisites")
    addresses_contact_person = True
    vat_per_line = False
    number_patterns: Mapping[str, str] = {"invoice": "{year}/{seq:04d}", "quote": "PRV-{year}-{seq:04d}"}
    vat_rates = tuple(Decimal(r) for r in ("22", "10", "5", "4", "0"))
    # DPR 633/1972: ordinary 22 % (since 1 October 2013), reduced 10, 5 and 4 %; 0 % lines carry a
    # natura code (N1 … N7, see NATURA_REFERENCES)
    vat_schedule: tuple[VatPeriod, ...] = (VatPeriod(dt.date(2013, 10, 1), Decimal("22"), vat_rates),)
    e_invoice: EInvoice | None = FatturaPA()

    def requisite_fields(self, role: str) -> tuple[str, ...]:
        # a buyer receives e-invoices (SDI code or PEC); a seller declares its tax regime
        by_role = ("sdi_code", "pec") if role == "buyer" else ("regime_fiscale", "pec")
        return ("vat_number", "fiscal_code", "rea", *by_role)

    def requisite_checks(self, value: Callable[[str], str]) -> RequisiteChecks:
        return {
            "vat_number": lambda: requisites.vat_number_error(value("vat_number")),
            "fiscal_code": lambda: requisites.fiscal_code_error(value("fiscal_code")),
        }

    def party_problems(self, kind: str, seller: Party, buyer: Party) -> list[str]:
        if kind == "quote":
            return []
        problems = []
        if requisites.vat_number_error(seller.vat_number) or not seller.vat_number:
            problems.append(_("Your company “{name}” needs a valid Partita IVA for an Italian invoice: "
                              "enter it in Settings → My companies, or choose an Italian seller.")
                            .format(name=seller.name))
        problems += _address_problems(seller, _("Settings → My companies"))
        problems += _latin_problems(seller, _("choose an Italian seller or correct its requisites"))
        if buyer.kind == "consumer":
            if not buyer.tax_code or requisites.fiscal_code_error(buyer.tax_code):
                problems.append(_("{name} is a private client: enter a valid codice fiscale on the "
                                  "contact's card.").format(name=buyer.name))
        elif not (buyer.vat_number or buyer.tax_code):
            problems.append(_("{name} has neither a Partita IVA nor a codice fiscale: enter one on "
                              "the company's card.").format(name=buyer.name))
        where = _("the contact's card") if buyer.kind == "consumer" else _("the company's card")
        problems += _address_problems(buyer, where)
        problems += _latin_problems(buyer, where)
        return problems

    def iban_error(self, iban: str) -> str | None:
        if requisites.italian_cin(iban[5:]) != iban[4]:
            return _("The CIN letter of the Italian IBAN does not match the bank details.")
        return None

    def address_text(self, party: Party) -> str:
        city = " ".join(p for p in (party.zip, party.city) if p)
        if party.province:
            city = f"{city} ({party.province})"
        return ", ".join(p for p in (party.street, city) if p)

    def line_natura(self, natura: str, rate: Decimal, seller: Party) -> str:
        if rate == 0 and not natura and seller.regime_fiscale == FORFETTARIO:
            return "N2.2"
        return natura

    def shows_zero_rate(self) -> bool:
        return True

    def legal_reference(self, natura: str) -> str | None:
        return NATURA_REFERENCES.get(natura) if natura else None

    def legal_notes(self, groups: Sequence[VatGroup], seller: Party) -> LegalNotes:
        forfettario = seller.regime_fiscale == FORFETTARIO
        non_vat = sum((g.base for g in groups if g.natura and g.rate == 0), Decimal("0.00"))
        stamp_duty = BOLLO_AMOUNT if non_vat > BOLLO_THRESHOLD else Decimal("0.00")
        notes = [FORFETTARIO_NOTE] if forfettario else []
        for group in groups:
            ref = self.legal_reference(group.natura)
            if ref and not (forfettario and group.natura == "N2.2") and ref not in notes:
                notes.append(ref)
        if stamp_duty:
            notes.append(BOLLO_NOTE)
        return LegalNotes(stamp_duty, notes)

    def payment_qr(
        self, seller: Party, buyer: Party, total: Decimal, purpose: str, currency: str
    ) -> PaymentQr | None:
        if not (seller.iban and currency == "EUR"):
            return None
        return PaymentQr("epc_069_12", epc_payload(seller, total, purpose), 30)

    def notices(self, kind: str, language: str) -> Notices:
        return Notices(courtesy_notice=COURTESY_NOTICE if kind in ("invoice", "credit_note") else None)


def _address_problems(party: Party, where: str) -> list[str]:
    """An Italian party's address as FatturaPA needs it: street, CAP, comune, provincia."""
    if party.country and party.country != "IT":
        return [] if party.city else [_("{name}: enter the city of the address on {where}.").format(
            name=party.name, where=where)]
    if (party.street and re.fullmatch(r"\d{5}", party.zip or "") and party.city
            and re.fullmatch(r"[A-Za-z]{2}", party.province or "")):
        return []
    return [_("{name}: the address needs street, CAP (five digits), comune and provincia (two "
              "letters): complete it on {where}.").format(name=party.name, where=where)]


def _latin_problems(party: Party, fix: str) -> list[str]:
    """FatturaPA text is Latin-1: a Cyrillic name or address cannot be sent."""
    texts = (party.name, party.street, party.city)
    if all(fatturapa.is_latin(text) for text in texts):
        return []
    return [_("{name}: the name or address has letters a FatturaPA cannot carry (Latin only): "
              "{fix}.").format(name=party.name, fix=fix)]


ITALY = Italy()
