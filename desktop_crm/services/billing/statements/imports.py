"""Importing a bank statement: its incoming payments matched to issued invoices and registered as
payments (partial ones too), the rest kept in a review list to match by hand or ignore.

Each bank line has a stable key (``StatementLine.key``) stored with the payment it produced
(``payment.bank_key``) and with its ``bank_line`` row: importing the same statement again, or a
later one overlapping it, registers nothing twice — such lines are reported as *known*. A line
still waiting for review is moved to the newer statement, not repeated. One import is one
transaction; registering payments is a right (``register_payments``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.ids import BankLineId, BankStatementId, DocumentId, IdLike, as_uuid
from desktop_crm.models import (
    BankLine,
    BankLineStatus,
    BankStatement,
    Invoice,
    OwnCompany,
    Payment,
    database,
    dialect,
)
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import invoices
from desktop_crm.services.billing.statements import matching
from desktop_crm.services.billing.statements.lines import Direction, Statement, StatementLine
from desktop_crm.services.billing.statements.parse import parse_statement
from desktop_crm.services.system import backups, rights

STATUS_TITLES = {
    BankLineStatus.MATCHED: N_("Matched"),
    BankLineStatus.UNMATCHED: N_("To review"),
    BankLineStatus.IGNORED: N_("Ignored"),
    BankLineStatus.KNOWN: N_("Already registered"),
}
REASONS = {
    matching.NO_REFERENCE: N_("No invoice number in the purpose"),
    matching.NOT_FOUND: N_("No issued invoice has the number in the purpose"),
    matching.OTHER_PAYER: N_("The payer's tax number is not the invoice buyer's"),
    matching.AMBIGUOUS: N_("Several invoices fit"),
    matching.OVERPAID: N_("Overpayment: more than is still due"),
    matching.ALREADY_PAID: N_("The invoice is already paid"),
    matching.CURRENCY: N_("Paid in another currency than the invoice's"),
    matching.BEFORE_INVOICE: N_("Paid before the invoice was issued"),
    matching.UNDONE: N_("Its payment was deleted by hand"),
    matching.REFUSED: N_("The payment could not be registered"),
}
# the order of the review screen: what needs a person first
ORDER = (BankLineStatus.UNMATCHED, BankLineStatus.MATCHED, BankLineStatus.KNOWN, BankLineStatus.IGNORED)


@dataclass(frozen=True)
class BankLineView:
    id: BankLineId
    status: BankLineStatus
    number: str  # the bank document's number
    booked_on: dt.date
    amount: Decimal
    currency: str
    payer: str
    payer_tax_id: str
    purpose: str
    reason: str  # a code of ``matching`` ("" when none)
    invoice_id: DocumentId | None
    invoice_number: str
    invoice_date: dt.date | None
    paid: Decimal | None  # what was registered on the invoice (None: nothing)
    status_text: str
    reason_text: str
    date_text: str
    amount_text: str
    invoice_text: str  # «12 of 01.12.2026» or ""

    @property
    def can_match(self) -> bool:
        return self.status in (BankLineStatus.UNMATCHED, BankLineStatus.IGNORED)

    @property
    def overpaid(self) -> Decimal:
        """The part of the amount more than was due (an overpayment matched by hand)."""
        return self.amount - self.paid if self.paid is not None and self.paid < self.amount else Decimal(0)


@dataclass(frozen=True)
class StatementReview:
    id: BankStatementId
    file_name: str
    file_format: str
    account: str
    own_company: str
    period_from: dt.date | None
    period_to: dt.date | None
    imported_at: dt.datetime
    lines: list[BankLineView]
    outgoing: int = 0  # money out of our accounts: not this import's business
    elsewhere: int = 0  # money into accounts that are not our companies'
    period_text: str = ""

    def _of(self, status: BankLineStatus) -> list[BankLineView]:
        return [line for line in self.lines if line.status == status]

    @property
    def matched(self) -> list[BankLineView]:
        return self._of(BankLineStatus.MATCHED)

    @property
    def unmatched(self) -> list[BankLineView]:
        return self._of(BankLineStatus.UNMATCHED)

    @property
    def known(self) -> list[BankLineView]:
        return self._of(BankLineStatus.KNOWN)

    @property
    def ignored(self) -> list[BankLineView]:
        return self._of(BankLineStatus.IGNORED)


@dataclass(frozen=True)
class InvoiceChoice:
    """An issued, not fully paid invoice a line can be matched to by hand."""

    id: DocumentId
    number: str
    issue_date: dt.date | None
    buyer: str
    currency: str
    total: Decimal
    due: Decimal
    text: str  # «12 of 01.12.2026 · ООО "Лютик" · due 1 000,00 ₽»


@dataclass
class _Counts:
    outgoing: int = 0
    elsewhere: int = 0


# --- views of rows --------------------------------------------------------------------------------

def _invoice_text(invoice: Any) -> str:
    if invoice is None:
        return ""
    if invoice.issue_date:
        return _("{number} of {date}").format(number=invoice.number, date=format_date(invoice.issue_date))
    return str(invoice.number)


def _undone(row: Any, payment: Any) -> bool:
    """A registered line whose payment was deleted by hand since: it waits for review again."""
    registered = row.status in (BankLineStatus.MATCHED, BankLineStatus.KNOWN)
    return registered and (payment is None or payment.deleted_at is not None)


def _view(row: Any) -> BankLineView:
    invoice = Invoice.get_or_none(Invoice.id == row.invoice_id) if row.invoice_id else None
    payment = Payment.get_or_none(Payment.id == row.payment_id) if row.payment_id else None
    status, reason = BankLineStatus(row.status), row.reason
    if _undone(row, payment):
        status, reason = BankLineStatus.UNMATCHED, matching.UNDONE
    return BankLineView(
        BankLineId(row.id), status, row.number, row.booked_on, row.amount, row.currency,
        row.payer_name, row.payer_tax_id, row.purpose, reason,
        DocumentId(invoice.id) if invoice is not None else None,
        invoice.number if invoice is not None else "",
        invoice.issue_date if invoice is not None else None,
        payment.amount if payment is not None and payment.deleted_at is None else None,
        _(STATUS_TITLES[status]), _(REASONS[reason]) if reason in REASONS else "",
        format_date(row.booked_on), format_money(row.amount, row.currency or "RUB"),
        _invoice_text(invoice),
    )


def _review(statement: Any) -> StatementReview:
    rows = list(BankLine.alive().where(BankLine.statement == statement.id)
                .order_by(BankLine.booked_on, BankLine.created_at))
    lines = sorted((_view(row) for row in rows), key=lambda v: ORDER.index(v.status))
    own = (OwnCompany.get_or_none(OwnCompany.id == statement.own_company_id)
           if statement.own_company_id else None)
    period = ""
    if statement.period_from or statement.period_to:
        period = _("{start} – {end}").format(start=format_date(statement.period_from),
                                             end=format_date(statement.period_to))
    return StatementReview(
        BankStatementId(statement.id), statement.file_name, statement.file_format, statement.account,
        (own.short_name or own.legal_name) if own is not None else "", statement.period_from,
        statement.period_to, statement.created_at, lines, statement.outgoing, statement.elsewhere,
        period)


# --- importing ------------------------------------------------------------------------------------

def _note(line: StatementLine) -> str:
    text = _("Bank statement: payment {number} from {payer}").format(
        number=line.number or line.bank_ref or "—", payer=line.payer_name or "—")
    return text[:300]


def _register(row: Any, line: StatementLine, invoice: Any, user: IdLike | None, amount: Decimal) -> None:
    """Register ``amount`` of ``line`` on ``invoice``; the row says what became of it."""
    try:
        with database.atomic():
            paid = invoices.register_payment(invoice.id, amount, line.date, user, _note(line),
                                             bank_key=row.line_key)
    except CrmError:
        row.status, row.reason, row.invoice = BankLineStatus.UNMATCHED, matching.REFUSED, invoice.id
        return
    row.status, row.reason, row.invoice, row.payment = BankLineStatus.MATCHED, "", invoice.id, paid.id


def _auto_match(row: Any, line: StatementLine, own_company_id: Any, user: IdLike | None) -> None:
    outcome = matching.match(line, own_company_id)
    if outcome.invoice is None:
        row.status, row.reason = BankLineStatus.UNMATCHED, outcome.reason
        row.invoice = outcome.candidate.id if outcome.candidate is not None else None
        return
    _register(row, line, outcome.invoice, user, line.amount)


def _text(value: str, limit: int) -> str:
    return " ".join(value.split())[:limit]


def _new_row(statement: Any, line: StatementLine) -> Any:
    return BankLine(
        statement=statement.id, line_key=line.key, account=line.account[:34], number=line.number[:40],
        booked_on=line.date, amount=line.amount, currency=line.currency[:3],
        payer_name=_text(line.payer_name, 300), payer_tax_id=_text(line.payer_tax_id, 16),
        payer_account=line.payer_account[:34], purpose=_text(line.purpose, 2000),
    )


def _take_line(statement: Any, line: StatementLine, own_company_id: Any, user: IdLike | None) -> None:
    key = line.key
    payment = Payment.alive().where(Payment.bank_key == key).first()
    if payment is not None:
        row = _new_row(statement, line)
        row.status, row.invoice, row.payment = BankLineStatus.KNOWN, payment.invoice_id, payment.id
        row.save()
        return
    earlier = (BankLine.alive().where((BankLine.line_key == key) & (BankLine.status != BankLineStatus.KNOWN))
               .order_by(BankLine.created_at.desc()).first())
    if earlier is None:
        row = _new_row(statement, line)
        _auto_match(row, line, own_company_id, user)
    else:
        row = earlier
        row.statement = statement.id
        if row.status == BankLineStatus.MATCHED:  # its payment was deleted since: a person decides
            row.status, row.reason, row.payment = BankLineStatus.UNMATCHED, matching.UNDONE, None
        elif row.status == BankLineStatus.UNMATCHED:
            _auto_match(row, line, own_company_id, user)  # an invoice issued since may fit now
    row.save()


def _own_company_of(statement: Statement, accounts: dict[str, Any]) -> Any:
    ours = [accounts[a] for a in statement.accounts if a in accounts]
    if not ours:
        shown = ", ".join(statement.accounts) or "—"
        raise ValidationError(_(
            "The statement is for account {account}, which is not an account of any of your "
            "companies. Add it to the company's requisites (Settings › Own companies) and import "
            "again.").format(account=shown))
    return ours[0]


def import_statement(data: bytes, file_name: str = "", user: IdLike | None = None,
                     progress: Callable[[int, int], None] | None = None) -> StatementReview:
    """Read a statement file, register the payments it proves and keep the rest for review;
    ``progress(done, total)`` after each line."""
    rights.require(Action.REGISTER_PAYMENTS)
    statement = parse_statement(data)
    backups.before_risky_operation("import")  # payments are about to be registered
    with database.atomic():
        accounts = matching.own_accounts()
        own_company_id = _own_company_of(statement, accounts)
        # one import per company at a time (PostgreSQL; SQLite writers queue anyway): two users
        # importing the same statement at once cannot both register its payments
        dialect.for_update(OwnCompany.select(OwnCompany.id).where(OwnCompany.id == own_company_id)).first()
        row = BankStatement.create(
            own_company=own_company_id, account=", ".join(statement.accounts)[:34],
            file_format=statement.format, file_name=_text(file_name, 255),
            sha256=hashlib.sha256(data).hexdigest(), period_from=statement.period_from,
            period_to=statement.period_to, imported_by=as_uuid(user) if user else None)
        counts = _Counts()
        total = len(statement.lines)
        for done, line in enumerate(statement.lines, start=1):
            if progress is not None:
                progress(done - 1, total)
            if line.direction == Direction.OUT:
                counts.outgoing += 1
            elif line.account not in accounts:
                counts.elsewhere += 1
            else:
                _take_line(row, line, accounts[line.account], user)
        row.outgoing, row.elsewhere = counts.outgoing, counts.elsewhere
        row.save()
        return _review(row)


# --- the review list ------------------------------------------------------------------------------

def _statement(statement_id: IdLike) -> Any:
    row = BankStatement.get_or_none((BankStatement.id == as_uuid(statement_id))
                                    & BankStatement.deleted_at.is_null())
    if row is None:
        raise ValidationError(_("The bank statement no longer exists."))
    return row


def statement_review(statement_id: IdLike) -> StatementReview:
    rights.require(Action.REGISTER_PAYMENTS)
    return _review(_statement(statement_id))


@dataclass(frozen=True)
class StatementSummary:
    """An imported statement in the list of statements."""

    id: BankStatementId
    imported_at: dt.datetime
    file_name: str
    account: str
    own_company: str
    to_review: int
    matched: int
    known: int
    imported_text: str
    period_text: str


def list_statements(limit: int = 200) -> list[StatementSummary]:
    """The imported statements, newest first, with how many of their lines wait for review."""
    from desktop_crm.i18n.formatting import format_datetime

    rights.require(Action.REGISTER_PAYMENTS)
    rows: list[Any] = list(BankStatement.alive().order_by(BankStatement.created_at.desc()).limit(limit))
    counts: dict[tuple[Any, str], int] = {}
    if rows:
        query: Any = (BankLine.alive(BankLine.statement, BankLine.status, Payment.id, Payment.deleted_at)
                      .join(Payment, peewee.JOIN.LEFT_OUTER, on=(BankLine.payment == Payment.id))
                      .where(BankLine.statement.in_([r.id for r in rows])))
        lines: list[tuple[Any, str, Any, Any]] = list(query.tuples())
        for statement_id, status, payment_id, deleted_at in lines:
            registered = status in (BankLineStatus.MATCHED, BankLineStatus.KNOWN)
            if registered and (payment_id is None or deleted_at is not None):
                status = BankLineStatus.UNMATCHED  # its payment was deleted by hand: to review
            key = (statement_id, str(status))
            counts[key] = counts.get(key, 0) + 1
    companies = {c.id: c.short_name or c.legal_name for c in OwnCompany.select()}
    result = []
    for row in rows:
        period = ""
        if row.period_from or row.period_to:
            period = _("{start} – {end}").format(start=format_date(row.period_from),
                                                 end=format_date(row.period_to))
        result.append(StatementSummary(
            BankStatementId(row.id), row.created_at, row.file_name, row.account,
            companies.get(row.own_company_id, ""), counts.get((row.id, BankLineStatus.UNMATCHED), 0),
            counts.get((row.id, BankLineStatus.MATCHED), 0), counts.get((row.id, BankLineStatus.KNOWN), 0),
            format_datetime(row.created_at), period))
    return result


def latest_statement(country: str = "") -> BankStatementId | None:
    """The statement imported last (of an own company of ``country``, when given)."""
    query = BankStatement.alive()
    if country:
        query = query.join(OwnCompany, on=(BankStatement.own_company == OwnCompany.id)).where(
            OwnCompany.country == country.upper())
    row = query.order_by(BankStatement.created_at.desc()).first()
    return BankStatementId(row.id) if row is not None else None


def _line_row(line_id: IdLike) -> Any:
    """The line, locked until the transaction ends (PostgreSQL): two people matching it at once
    register one payment."""
    row = dialect.for_update(BankLine.select().where(
        (BankLine.id == as_uuid(line_id)) & BankLine.deleted_at.is_null())).first()
    if row is None:
        raise ValidationError(_("The statement line no longer exists."))
    payment = Payment.get_or_none(Payment.id == row.payment_id) if row.payment_id else None
    if _undone(row, payment):
        row.status, row.reason, row.payment = BankLineStatus.UNMATCHED, matching.UNDONE, None
    return row


def _as_statement_line(row: Any) -> StatementLine:
    return StatementLine(Direction.IN, row.account, row.number, row.booked_on, row.amount, row.currency,
                         row.payer_name, row.payer_tax_id, row.payer_account, row.purpose)


def match_line(line_id: IdLike, invoice_id: IdLike, user: IdLike | None = None) -> BankLineView:
    """Match a line of the review list to an invoice by hand: its payment is registered (at most
    what is still due: the rest of an overpayment stays visible on the line)."""
    rights.require(Action.REGISTER_PAYMENTS)
    with database.atomic():
        row = _line_row(line_id)
        if row.status not in (BankLineStatus.UNMATCHED, BankLineStatus.IGNORED):
            raise ValidationError(_("This statement line is already registered."))
        if Payment.alive().where(Payment.bank_key == row.line_key).exists():
            raise ValidationError(_("This bank payment is already registered on an invoice."))
        invoice = invoices._invoice(invoice_id)
        line = _as_statement_line(row)
        problem = matching.check(line, invoice)
        if problem in (matching.CURRENCY, matching.ALREADY_PAID, matching.REFUSED):
            raise ValidationError(_(REASONS[problem]) + ".")
        due = Decimal(invoice.total - invoice.paid_amount)
        paid_on = max(line.date, invoice.issue_date) if invoice.issue_date else line.date
        amount = min(line.amount, due)
        payment = invoices.register_payment(invoice.id, amount, paid_on, user, _note(line),
                                            bank_key=row.line_key)
        row.status, row.invoice, row.payment = BankLineStatus.MATCHED, invoice.id, payment.id
        row.reason = matching.OVERPAID if amount < line.amount else ""
        row.save()
        return _view(row)


def ignore_line(line_id: IdLike, user: IdLike | None = None) -> BankLineView:
    """Not an invoice's payment (a loan, a refund from a supplier…): off the review list."""
    rights.require(Action.REGISTER_PAYMENTS)
    with database.atomic():
        row = _line_row(line_id)
        if row.status != BankLineStatus.UNMATCHED:
            raise ValidationError(_("Only a line waiting for review can be ignored."))
        row.status = BankLineStatus.IGNORED
        row.save()
        return _view(row)


def unpaid_invoices(line_id: IdLike, search: str = "", limit: int = 200) -> list[InvoiceChoice]:
    """Issued, not fully paid invoices of the line's own company (in its currency), the payer's
    first, filtered by number or buyer."""
    from desktop_crm.models import Company, Contact

    row = _line_row(line_id)
    statement = _statement(row.statement_id)
    query = Invoice.alive().where(Invoice.status.in_(matching.OPEN) & Invoice.credit_for.is_null())
    if statement.own_company_id:
        query = query.where(Invoice.own_company == statement.own_company_id)
    if row.currency:
        query = query.where(Invoice.currency == row.currency)
    condition = rights.scope_condition(Invoice)
    if condition is not None:
        query = query.where(condition)
    needle = " ".join(search.split()).casefold()
    payer = matching.tax_id(row.payer_tax_id)
    choices: list[tuple[int, tuple[int, int], InvoiceChoice]] = []
    rows: list[Any] = list(query.order_by(Invoice.issue_date.desc()).limit(2000))
    for invoice in rows:
        company = Company.get_or_none(Company.id == invoice.company_id) if invoice.company_id else None
        contact = Contact.get_or_none(Contact.id == invoice.contact_id) if invoice.contact_id else None
        buyer = (company.short_name or company.legal_name) if company is not None else \
            (contact.full_name if contact is not None else "")
        if needle and needle not in f"{invoice.number} {buyer}".casefold():
            continue
        due = Decimal(invoice.total - invoice.paid_amount)
        text = _("{invoice} · {buyer} · due {due}").format(
            invoice=_invoice_text(invoice), buyer=buyer or "—", due=format_money(due, invoice.currency))
        first = 0 if invoice.id == row.invoice_id else \
            1 if payer and payer in matching.buyer_tax_ids(invoice) else 2
        newest = (-(invoice.issue_date or dt.date.min).toordinal(), -(invoice.sequence_number or 0))
        choices.append((first, newest, InvoiceChoice(
            DocumentId(invoice.id), invoice.number, invoice.issue_date, buyer, invoice.currency,
            invoice.total, due, text)))
    choices.sort(key=lambda c: (c[0], c[1]))
    return [choice for _first, _date, choice in choices[:limit]]


__all__ = ["BankLineView", "InvoiceChoice", "StatementReview", "StatementSummary", "ignore_line",
           "import_statement", "latest_statement", "list_statements", "match_line", "statement_review",
           "unpaid_invoices"]
