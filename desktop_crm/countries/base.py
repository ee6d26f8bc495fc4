"""The protocol every country's rules implement, and the generic rules of any other country.

A country decides what differs between jurisdictions on a quote or invoice: how VAT is computed
(per line or per rate), which tax ids a party shows and how its address reads, the document
titles, notices and number formats, the payment purpose and QR code, and the e-invoice format.
Wording is translated into the document's language (not the UI's), so the methods that word
something take that language.

Country rules read parties and VAT groups through the small protocols below, so this package
depends on nothing above the core (money, i18n, errors, paths).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from desktop_crm.i18n import N_, translator

_SPACES = re.compile(r"[\s\-]+")

#: The checks of a set of requisites: field name → a function giving its error message or None.
RequisiteChecks = dict[str, Callable[[], "str | None"]]


def compact(value: str | None) -> str:
    """The value without spaces and dashes, upper case (how requisites are stored)."""
    return _SPACES.sub("", value or "").upper()


class Party(Protocol):
    """What country rules read of a seller or buyer (``documents.context.PartyInput``)."""

    @property
    def name(self) -> str: ...
    @property
    def name_full(self) -> str: ...
    @property
    def kind(self) -> str: ...  # company | sole_trader | consumer
    @property
    def country(self) -> str: ...  # ISO code of the address
    @property
    def inn(self) -> str: ...
    @property
    def kpp(self) -> str: ...
    @property
    def vat_number(self) -> str: ...
    @property
    def tax_code(self) -> str: ...
    @property
    def regime_fiscale(self) -> str: ...
    @property
    def street(self) -> str: ...
    @property
    def zip(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def province(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def bank_name(self) -> str: ...
    @property
    def bik(self) -> str: ...
    @property
    def corr_account(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def iban(self) -> str: ...
    @property
    def bic(self) -> str: ...


class VatGroup(Protocol):
    """One row of a document's VAT summary (``pricing.VatGroup``)."""

    @property
    def rate(self) -> Decimal: ...
    @property
    def natura(self) -> str: ...
    @property
    def base(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class VatPeriod:
    """The VAT rates in force from a date (until the next period of the same country)."""

    since: dt.date
    standard: Decimal  # the ordinary rate (what a line without a rate of its own takes)
    rates: tuple[Decimal, ...]  # every rate a line may carry then, highest first (0: exempt etc.)


def period_on(schedule: Sequence[VatPeriod], on: dt.date) -> VatPeriod:
    """The period of ``schedule`` (sorted by ``since``) in force on ``on``."""
    current = schedule[0]
    for period in schedule:
        if period.since <= on:
            current = period
    return current


@dataclass(frozen=True, slots=True)
class PaymentQr:
    """A payment QR code: its standard's name, the encoded text and its printed width."""

    standard: str
    payload: str
    width_mm: int


@dataclass(frozen=True, slots=True)
class LegalNotes:
    """The stamp duty a document carries and the legal notes printed on it."""

    stamp_duty: Decimal
    notes: list[str]


@dataclass(frozen=True, slots=True)
class Notices:
    """Fixed texts of a document kind: above the invoice, the courtesy-copy notice, the disclaimer."""

    header_text: str | None = None
    courtesy_notice: str | None = None
    disclaimer: str | None = None


class EInvoice(Protocol):
    """A country's electronic invoice format (Italy: FatturaPA)."""

    def build(self, context: dict[str, Any], progressive: str) -> bytes:
        """The validated file of an invoice's render context (raises a ``CrmError``)."""
        ...

    def file_name(self, context: dict[str, Any], progressive: str) -> str: ...


class Country(Protocol):
    """The rules of one country; look one up with :func:`desktop_crm.countries.country`."""

    code: str  # ISO 3166-1 alpha-2; "" for the generic rules
    name: str  # N_-marked: translate where shown
    currency: str  # the usual currency of a seller there (ISO 4217); "" when there is none
    document_language: str  # the language documents of a seller there are written in
    invoice_due_days: int  # the usual payment term of an invoice, in days
    uses_natura: bool  # document lines carry a VAT nature code (Italy's "natura" for 0 % lines)
    requisites_title: str  # N_-marked title of the national requisites on a company card
    addresses_contact_person: bool  # a company buyer's contact is named ("alla c.a. di …")
    vat_per_line: bool  # VAT rounded per line and summed (1C), else once per rate (FatturaPA)
    qr_by_default: bool  # invoices carry a payment QR code unless the user switched it off
    shows_summary_line: bool  # «Всего наименований N, на сумму …»
    number_patterns: Mapping[str, str]  # document kind → default number pattern
    vat_rates: tuple[Decimal, ...]  # the rates a document line offers, highest first
    vat_schedule: tuple[VatPeriod, ...]  # the rates in force by date (data, oldest first)
    e_invoice: EInvoice | None

    def requisite_fields(self, role: str) -> tuple[str, ...]:
        """The national requisites a company card asks for; ``role`` is "buyer" or "seller"."""
        ...

    def vat_on(self, on: dt.date) -> VatPeriod:
        """The VAT rates in force on a date."""
        ...

    def party_problems(self, kind: str, seller: Party, buyer: Party) -> list[str]:
        """What keeps a document of this seller to this buyer from meeting the country's rules,
        each message naming the fix (in the user's language); empty when it can be issued."""
        ...

    def requisite_checks(self, value: Callable[[str], str]) -> RequisiteChecks:
        """The checks of this country's requisite fields; ``value(field)`` reads a field."""
        ...

    def iban_error(self, iban: str) -> str | None:
        """The national check of an IBAN of this country (after the international ones)."""
        ...

    def address_text(self, party: Party) -> str: ...

    def tax_ids(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        """The requisites printed after a party's name, before its address."""
        ...

    def contact_parts(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        """The requisites printed after the address."""
        ...

    def document_title(self, kind: str, language: str) -> str: ...

    def line_natura(self, natura: str, rate: Decimal, seller: Party) -> str:
        """The VAT nature code of a line (a default for a 0 % line where the law wants one)."""
        ...

    def vat_mode(self, vat_included: bool, all_lines_zero: bool) -> str:
        """``included``, ``on_top`` or ``none`` (no VAT at all)."""
        ...

    def shows_zero_rate(self) -> bool:
        """Whether a 0 % line prints its rate (else «without VAT»)."""
        ...

    def breakdown_label(
        self, rate_text: str, natura: str, vat_mode: str, vat_included: bool, language: str
    ) -> str | None:
        """The label of a VAT summary row; None leaves the row out."""
        ...

    def legal_reference(self, natura: str) -> str | None: ...

    def legal_notes(self, groups: Sequence[VatGroup], seller: Party) -> LegalNotes: ...

    def payment_purpose(
        self, number: str, date: str, vat_texts: Sequence[tuple[str, str]], vat_mode: str, language: str
    ) -> str:
        """The purpose of the payment; ``vat_texts`` are (rate, amount) texts of the VAT summary."""
        ...

    def payment_qr(
        self, seller: Party, buyer: Party, total: Decimal, purpose: str, currency: str
    ) -> PaymentQr | None: ...

    def notices(self, kind: str, language: str) -> Notices: ...


class GenericCountry:
    """The rules of a country without a package of its own ("other country"): VAT per line, tax
    ids as VAT number and tax code, no QR code, no e-invoice, neutral titles."""

    code = ""
    name = N_("Other country")
    currency = ""
    document_language = "ru"
    invoice_due_days = 5
    uses_natura = False
    requisites_title = ""
    addresses_contact_person = False
    vat_per_line = True
    qr_by_default = False
    shows_summary_line = False
    number_patterns: Mapping[str, str] = {}
    vat_rates: tuple[Decimal, ...] = tuple(Decimal(r) for r in ("22", "10", "7", "5", "0"))
    vat_schedule: tuple[VatPeriod, ...] = (
        VatPeriod(dt.date(1900, 1, 1), Decimal("22"), vat_rates),
    )
    e_invoice: EInvoice | None = None

    def requisite_fields(self, role: str) -> tuple[str, ...]:
        return ()

    def vat_on(self, on: dt.date) -> VatPeriod:
        return period_on(self.vat_schedule, on)

    def party_problems(self, kind: str, seller: Party, buyer: Party) -> list[str]:
        return []

    def requisite_checks(self, value: Callable[[str], str]) -> RequisiteChecks:
        return {}

    def iban_error(self, iban: str) -> str | None:
        return None

    def address_text(self, party: Party) -> str:
        return ", ".join(p for p in (party.zip, party.city, party.street) if p)

    def tax_ids(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        parts = []
        if party.vat_number:
            parts.append(f"{labels['vat_number']} {party.vat_number}")
        if party.tax_code and party.tax_code != party.vat_number:
            parts.append(f"{labels['tax_code']} {party.tax_code}")
        return parts

    def contact_parts(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        return []

    def document_title(self, kind: str, language: str) -> str:
        pgettext = translator(language).pgettext
        if kind == "credit_note":
            return pgettext("document", "Credit note")
        return pgettext("document", "Quote") if kind == "quote" else pgettext("document", "Invoice")

    def line_natura(self, natura: str, rate: Decimal, seller: Party) -> str:
        return natura

    def vat_mode(self, vat_included: bool, all_lines_zero: bool) -> str:
        return "included" if vat_included else "on_top"

    def shows_zero_rate(self) -> bool:
        return False

    def breakdown_label(
        self, rate_text: str, natura: str, vat_mode: str, vat_included: bool, language: str
    ) -> str | None:
        label = translator(language).pgettext("document", "VAT {rate}").format(rate=rate_text)
        return f"{label} ({natura})" if natura else label

    def legal_reference(self, natura: str) -> str | None:
        return None

    def legal_notes(self, groups: Sequence[VatGroup], seller: Party) -> LegalNotes:
        return LegalNotes(Decimal("0.00"), [])

    def payment_purpose(
        self, number: str, date: str, vat_texts: Sequence[tuple[str, str]], vat_mode: str, language: str
    ) -> str:
        pgettext = translator(language).pgettext
        return pgettext("document", "Invoice {number} of {date}").format(number=number, date=date)

    def payment_qr(
        self, seller: Party, buyer: Party, total: Decimal, purpose: str, currency: str
    ) -> PaymentQr | None:
        return None

    def notices(self, kind: str, language: str) -> Notices:
        return Notices()
