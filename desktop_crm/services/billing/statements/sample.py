"""A sample statement of the default own company's issued invoices, in its bank's format
(1CClientBankExchange for a Russian company, camt.053 for an Italian one): what the statement
review's screenshot imports on a demo database that has none yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from desktop_crm.models import Company, Invoice, OwnCompany
from desktop_crm.services.billing.statements import matching

SAMPLE_NAMES = {False: "kl_to_1c.txt", True: "camt053.xml"}


def _seller(country: str) -> Any:
    companies = list(OwnCompany.alive().order_by(OwnCompany.is_default.desc(), OwnCompany.created_at))
    companies.sort(key=lambda c: c.country != country.upper())  # that country's first
    for company in companies:
        if (company.account or "").strip() or (company.iban or "").strip():
            return company
    return None


def _payer(invoice: Any) -> tuple[str, str]:
    company = Company.get_or_none(Company.id == invoice.company_id) if invoice.company_id else None
    name = (company.short_name or company.legal_name) if company is not None else "—"
    ids = sorted(matching.buyer_tax_ids(invoice))
    return name, ids[0] if ids else ""


def sample_statement(country: str = "") -> bytes | None:
    """A statement of the own company of ``country`` (else the default one)."""
    seller = _seller(country)
    if seller is None:
        return None
    rows: list[Any] = list(Invoice.alive().where(
        (Invoice.own_company == seller.id) & Invoice.status.in_(matching.OPEN)
        & Invoice.credit_for.is_null()).order_by(Invoice.issue_date.desc()).limit(3))
    if seller.iban and not seller.account:
        return _camt(seller, rows)
    return _one_c(seller, rows)


def _one_c(seller: Any, rows: list[Any]) -> bytes:
    today = dt.date.today()
    day = today.strftime("%d.%m.%Y")
    docs: list[tuple[str, Decimal, str, str, str, bool]] = []
    for index, invoice in enumerate(rows):
        name, inn = _payer(invoice)
        due = Decimal(invoice.total - invoice.paid_amount)
        issued = invoice.issue_date.strftime("%d.%m.%Y") if invoice.issue_date else day
        if index == 0:
            docs.append((name, due, inn, f"Оплата по счету № {invoice.number} от {issued}. "
                         "В т.ч. НДС", str(400 + index), False))
        elif index == 1:
            docs.append((name, (due / 2).quantize(Decimal("0.01")), inn,
                         f"Аванс 50% по сч. {invoice.number}", str(400 + index), False))
        else:
            docs.append((name, due + Decimal("1000.00"), inn, f"Оплата по счёту №{invoice.number}",
                         str(400 + index), False))
    docs.append(("ИП Соколов Андрей Викторович", Decimal("15000.00"), "771234567890",
                 "Оплата по договору 17/2 за консультации", "88", False))
    docs.append(("ООО «Бизнес-Центр Парк»", Decimal("85000.00"), "7705123456",
                 "Аренда офиса за текущий месяц", "1301", True))
    account = seller.account.strip()
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows",
             "Отправитель=Банк-клиент", f"ДатаНачала={day}", f"ДатаКонца={day}",
             f"РасчСчет={account}", "СекцияРасчСчет", f"РасчСчет={account}", "КонецРасчСчет"]
    for name, amount, inn, purpose, number, outgoing in docs:
        other = "40702810400000012345"
        payer_account, payee_account = (account, other) if outgoing else (other, account)
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={number}", f"Дата={day}",
                  f"Сумма={amount:.2f}", f"ПлательщикСчет={payer_account}",
                  f"ПлательщикИНН={seller.inn if outgoing else inn}",
                  f"Плательщик1={seller.short_name if outgoing else name}",
                  f"ПолучательСчет={payee_account}", f"ПолучательИНН={inn if outgoing else seller.inn}",
                  f"{'ДатаСписано' if outgoing else 'ДатаПоступило'}={day}",
                  f"НазначениеПлатежа={purpose}", "КонецДокумента"]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251", errors="replace")


def _camt(seller: Any, rows: list[Any]) -> bytes:
    today = dt.date.today().isoformat()
    entries: list[tuple[Decimal, str, str, str, bool]] = []
    for index, invoice in enumerate(rows):
        name, vat = _payer(invoice)
        due = Decimal(invoice.total - invoice.paid_amount)
        if index == 0:
            entries.append((due, name, vat, f"Saldo fattura n. {invoice.number}", True))
        elif index == 1:
            entries.append(((due / 2).quantize(Decimal("0.01")), name, vat,
                            f"Acconto FT {invoice.number}", True))
        else:
            entries.append((due + Decimal("100.00"), name, vat, f"Pagamento fattura {invoice.number}", True))
    entries.append((Decimal("350.00"), "Studio Ferri", "", "Rimborso spese trasferta", True))
    entries.append((Decimal("1200.00"), "Immobiliare Centro S.r.l.", "", "Affitto ufficio", False))
    body = []
    digits = today.replace("-", "")
    for number, (amount, name, vat, purpose, credit) in enumerate(entries, start=1):
        party = f"<Nm>{_xml(name)}</Nm>"
        if vat:
            party += f"<Id><OrgId><Othr><Id>{vat}</Id></Othr></OrgId></Id>"
        body.append(
            f"<Ntry><NtryRef>{number}</NtryRef><Amt Ccy=\"EUR\">{amount:.2f}</Amt>"
            f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{today}</Dt></BookgDt><AcctSvcrRef>0306{digits}{number:06d}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><RltdPties><Dbtr>{party}</Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{_xml(purpose)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>'
        f"<Id>SAMPLE</Id><FrToDt><FrDtTm>{today}T00:00:00</FrDtTm><ToDtTm>{today}T23:59:59</ToDtTm>"
        f"</FrToDt><Acct><Id><IBAN>{seller.iban.strip()}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(body) + "</Stmt></BkToCstmrStmt></Document>").encode()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
