"""Russia: VAT per line (1C), ИНН/КПП requisites, «Счёт на оплату», the ГОСТ payment QR code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from desktop_crm.countries.base import (
    GenericCountry,
    Notices,
    Party,
    PaymentQr,
    RequisiteChecks,
    VatPeriod,
)
from desktop_crm.countries.ru import requisites
from desktop_crm.countries.ru.payment import gost_payload
from desktop_crm.i18n import N_, _, translator


def _rates(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


class Russia(GenericCountry):
    code = "RU"
    name = N_("Russia")
    currency = "RUB"
    document_language = "ru"
    invoice_due_days = 5
    requisites_title = N_("Russian requisites")
    vat_per_line = True
    qr_by_default = True
    shows_summary_line = True
    number_patterns: Mapping[str, str] = {"invoice": "{seq}", "quote": "КП-{year}-{seq:04d}"}
    vat_rates = tuple(Decimal(r) for r in ("22", "10", "7", "5", "0"))  # 7 and 5: УСН payers
    # НК РФ ст. 164: 20 % until 2025 (5 and 7 % for УСН payers from 2025), 22 % from 1 January 2026
    # (Federal Law No. 425-ФЗ of 28.11.2025); 10 % and 0 % unchanged. "Without VAT" is 0 %.
    vat_schedule: tuple[VatPeriod, ...] = (
        VatPeriod(dt.date(2019, 1, 1), Decimal("20"), _rates("20", "10", "0")),
        VatPeriod(dt.date(2025, 1, 1), Decimal("20"), _rates("20", "10", "7", "5", "0")),
        VatPeriod(dt.date(2026, 1, 1), Decimal("22"), _rates("22", "10", "7", "5", "0")),
    )

    def party_problems(self, kind: str, seller: Party, buyer: Party) -> list[str]:
        problems = []
        if not seller.inn:
            problems.append(_("Your company “{name}” has no ИНН: enter it in Settings → My companies, "
                              "or choose another seller.").format(name=seller.name))
        if buyer.inn and buyer.kind == "consumer" and len(buyer.inn) != 12:
            problems.append(_("The personal ИНН of {name} must have 12 digits: correct it on the "
                              "contact's card.").format(name=buyer.name))
        return problems

    def requisite_fields(self, role: str) -> tuple[str, ...]:
        return ("inn", "kpp", "ogrn", "bank_name", "bik", "corr_account", "account")

    def requisite_checks(self, value: Callable[[str], str]) -> RequisiteChecks:
        return {
            "inn": lambda: requisites.inn_error(value("inn")),
            "kpp": lambda: requisites.kpp_error(value("kpp")),
            "ogrn": lambda: requisites.ogrn_error(value("ogrn")),
            "bik": lambda: requisites.bik_error(value("bik")),
            "corr_account": lambda: requisites.corr_account_error(value("corr_account"), value("bik")),
            "account": lambda: requisites.settlement_account_error(value("account"), value("bik")),
        }

    def tax_ids(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        parts = []
        if party.inn:
            parts.append(f"{labels['inn']} {party.inn}")
        if party.kpp and party.kind != "sole_trader":
            parts.append(f"{labels['kpp']} {party.kpp}")
        return parts

    def contact_parts(self, party: Party, labels: Mapping[str, str]) -> list[str]:
        return [f"{labels['phone']}: {party.phone}"] if party.phone else []

    def document_title(self, kind: str, language: str) -> str:
        pgettext = translator(language).pgettext
        if kind == "quote":
            return pgettext("document", "Commercial proposal")
        return pgettext("document", "Invoice for payment")

    def vat_mode(self, vat_included: bool, all_lines_zero: bool) -> str:
        if all_lines_zero:
            return "none"
        return super().vat_mode(vat_included, all_lines_zero)

    def breakdown_label(
        self, rate_text: str, natura: str, vat_mode: str, vat_included: bool, language: str
    ) -> str | None:
        if vat_mode == "none":
            return None
        pgettext = translator(language).pgettext
        if vat_included:
            return pgettext("document", "Including VAT {rate}:").format(rate=rate_text)
        return pgettext("document", "VAT {rate}:").format(rate=rate_text)

    def payment_purpose(
        self, number: str, date: str, vat_texts: Sequence[tuple[str, str]], vat_mode: str, language: str
    ) -> str:
        pgettext = translator(language).pgettext
        if vat_mode == "none":
            vat_words = pgettext("document", "without VAT")
        else:
            vat_words = ", ".join(
                pgettext("document", "incl. VAT {rate} {amount} rub.").format(rate=rate, amount=amount)
                for rate, amount in vat_texts
            )
        purpose = pgettext("document", "Payment under invoice No. {number} of {date}").format(
            number=number, date=date
        )
        return f"{purpose}, {vat_words}"

    def payment_qr(
        self, seller: Party, buyer: Party, total: Decimal, purpose: str, currency: str
    ) -> PaymentQr | None:
        if not (seller.account and seller.bik and currency == "RUB"):
            return None
        return PaymentQr("gost_r_56042", gost_payload(seller, total, purpose, buyer.inn), 35)

    def notices(self, kind: str, language: str) -> Notices:
        pgettext = translator(language).pgettext
        if kind == "invoice":
            return Notices(header_text=pgettext(
                "document",
                "Attention! Payment of this invoice means agreement with the terms of delivery. "
                "Goods are released after the money reaches the supplier's account.",
            ))
        return Notices(disclaimer=pgettext("document", "This proposal is not a public offer."))


RUSSIA = Russia()
