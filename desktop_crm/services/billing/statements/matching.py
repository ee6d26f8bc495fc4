"""Which issued invoice an incoming bank line pays: by the invoice number in its purpose, the
payer's ИНН / Partita IVA against the invoice's buyer, and the amount (full, part, or more than
is due: an overpayment goes to the review list). Rows stay here; ``imports`` acts on the outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm.models import Company, Contact, Invoice, InvoiceStatus, OwnCompany
from desktop_crm.services.billing.statements.lines import StatementLine, account_key
from desktop_crm.services.billing.statements.references import Reference, find_references, normalised

# why a line waits in the review list (codes stored in ``bank_line.reason``; ``imports`` words them)
NO_REFERENCE = "no_reference"  # no invoice number in the purpose, no single unpaid invoice of the payer
NOT_FOUND = "not_found"  # a number, but no issued invoice of ours has it
OTHER_PAYER = "other_payer"  # the invoice's buyer has another ИНН / P.IVA
AMBIGUOUS = "ambiguous"  # several invoices fit
OVERPAID = "overpaid"  # more than is still due
ALREADY_PAID = "already_paid"  # the invoice is fully paid already
CURRENCY = "currency"  # paid in another currency than the invoice's
BEFORE_INVOICE = "before_invoice"  # paid before the invoice was issued
UNDONE = "undone"  # its payment was registered, then deleted by hand: a person decides again
REFUSED = "refused"  # the payment could not be registered (rights, a rule)

OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class Outcome:
    invoice: Any | None  # the invoice row to pay (None: review)
    reason: str = ""  # a code above when ``invoice`` is None or the amount needs a person
    candidate: Any | None = None  # the invoice the line seems to be for (shown in the review list)


def tax_id(value: str) -> str:
    """An ИНН, Partita IVA or codice fiscale as compared: digits and letters, no «IT» prefix."""
    text = re.sub(r"[^0-9A-Za-z]", "", value or "").upper()
    return text[2:] if text.startswith("IT") and len(text) == 13 else text


def own_accounts() -> dict[str, Any]:
    """``{account or IBAN (normalised): own company id}`` of every own company."""
    result: dict[str, Any] = {}
    for company in OwnCompany.alive():
        for value in (company.account, company.iban):
            if value and value.strip():
                result[account_key(value)] = company.id
    return result


def buyer_tax_ids(invoice: Any) -> set[str]:
    found: set[str] = set()
    if invoice.company_id:
        company = Company.get_or_none(Company.id == invoice.company_id)
        if company is not None:
            found |= {company.inn, company.vat_number, company.fiscal_code}
    if invoice.contact_id and not invoice.company_id:
        contact = Contact.get_or_none(Contact.id == invoice.contact_id)
        if contact is not None:
            found |= {contact.inn or "", contact.fiscal_code or ""}
    snapshot = invoice.buyer_snapshot or {}
    found |= {str(snapshot.get(key) or "") for key in ("inn", "vat_number", "tax_code")}
    return {tax_id(value) for value in found if tax_id(value)}


def _issued(own_company_id: Any) -> Any:
    return Invoice.alive().where(
        (Invoice.own_company == own_company_id) & Invoice.credit_for.is_null()
        & Invoice.status.in_([*OPEN, InvoiceStatus.PAID]))


def _by_reference(own_company_id: Any, reference: Reference) -> list[Any]:
    exact = [i for i in _issued(own_company_id).where(Invoice.number != "")
             if normalised(i.number) == reference.key]
    if exact or reference.sequence is None:
        return exact
    query = _issued(own_company_id).where(Invoice.sequence_number == reference.sequence)
    if reference.year is not None:
        query = query.where(Invoice.year == reference.year)
    return list(query)


def _payer_fits(line: StatementLine, invoice: Any) -> bool:
    payer = tax_id(line.payer_tax_id)
    buyers = buyer_tax_ids(invoice)
    return not payer or not buyers or payer in buyers


def _due(invoice: Any) -> Decimal:
    return Decimal(invoice.total - invoice.paid_amount)


def _by_payer_and_amount(line: StatementLine, own_company_id: Any) -> list[Any]:
    """Without a number: the payer's one open invoice whose balance is exactly this amount."""
    payer = tax_id(line.payer_tax_id)
    if not payer:
        return []
    return [i for i in _issued(own_company_id).where(Invoice.status.in_(OPEN))
            if _due(i) == line.amount and payer in buyer_tax_ids(i)]


def _narrow(line: StatementLine, invoices: list[Any]) -> list[Any]:
    """Among several invoices: those whose buyer is known to be the payer, those still open, those
    not overpaid by this amount, then those whose balance is exactly this amount."""
    payer = tax_id(line.payer_tax_id)

    def payer_confirmed(invoice: Any) -> bool:
        return bool(payer) and payer in buyer_tax_ids(invoice)

    def not_overpaid(invoice: Any) -> bool:
        return line.amount <= _due(invoice)

    def still_open(invoice: Any) -> bool:
        return invoice.status in OPEN

    def exact(invoice: Any) -> bool:
        return _due(invoice) == line.amount

    for keep in (payer_confirmed, still_open, not_overpaid, exact):
        narrowed = [i for i in invoices if keep(i)]
        if len(narrowed) == 1:
            return narrowed
        if narrowed:
            invoices = narrowed
    return invoices


def check(line: StatementLine, invoice: Any) -> str:
    """Why this line cannot be registered on ``invoice`` as it is ("" when it can)."""
    if invoice.currency and line.currency and invoice.currency.upper() != line.currency.upper():
        return CURRENCY
    if invoice.status == InvoiceStatus.PAID:
        return ALREADY_PAID
    if invoice.status not in OPEN:
        return REFUSED
    if line.amount > _due(invoice):
        return OVERPAID
    if invoice.issue_date and line.date < invoice.issue_date:
        return BEFORE_INVOICE
    return ""


def match(line: StatementLine, own_company_id: Any) -> Outcome:
    """The invoice ``line`` pays, or why a person has to decide."""
    references = find_references(line.purpose)
    found: dict[Any, Any] = {}
    for reference in references:
        for invoice in _by_reference(own_company_id, reference):
            found[invoice.id] = invoice
    if references and not found:
        return Outcome(None, NOT_FOUND)
    candidates = list(found.values())
    if candidates:
        fitting = [i for i in candidates if _payer_fits(line, i)]
        if not fitting:
            return Outcome(None, OTHER_PAYER, candidates[0] if len(candidates) == 1 else None)
        candidates = fitting
    else:
        candidates = _by_payer_and_amount(line, own_company_id)
        if not candidates:
            return Outcome(None, NO_REFERENCE)
    candidates = _narrow(line, candidates)
    if len(candidates) > 1:
        return Outcome(None, AMBIGUOUS)
    invoice = candidates[0]
    problem = check(line, invoice)
    if problem:
        return Outcome(None, problem, invoice)
    return Outcome(invoice)


__all__ = ["Outcome", "buyer_tax_ids", "check", "match", "own_accounts", "tax_id"]
