"""The payments of an invoice as its payments screen shows them: the list, the balance still due
(what a new payment is suggested to be), registering (``invoices.register_payment``), deleting a
payment registered by mistake, and refunding money to the client (a negative payment).

Each action is one transaction and keeps the invoice's paid amount and status true: nothing paid →
issued, part of it → partially paid, all of it → paid. A refunded invoice can then be cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import money
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_date, format_money
from desktop_crm.ids import DocumentId, IdLike, PaymentId, as_uuid
from desktop_crm.models import DocumentType, Invoice, InvoiceStatus, Payment, database
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import documents, invoices
from desktop_crm.services.system import rights


@dataclass(frozen=True)
class PaymentRow:
    id: PaymentId
    paid_on: dt.date
    amount: Decimal  # negative: a refund
    note: str
    date_text: str
    amount_text: str

    @property
    def is_refund(self) -> bool:
        return self.amount < 0


@dataclass(frozen=True)
class InvoicePayments:
    invoice_id: DocumentId
    number: str
    status: str
    currency: str
    total: Decimal
    paid: Decimal
    balance: Decimal  # still due: what a new payment is suggested to be
    issue_date: dt.date | None
    due_date: dt.date | None
    payments: list[PaymentRow]
    can_register: bool
    total_text: str
    paid_text: str
    balance_text: str


def invoice_payments(invoice_id: IdLike) -> InvoicePayments:
    invoice: Any = documents._get_document(DocumentType.INVOICE, invoice_id)
    rows: list[Any] = list(Payment.alive().where(Payment.invoice == invoice.id)
                           .order_by(Payment.paid_on, Payment.created_at))
    currency = invoice.currency
    balance = max(Decimal(0), invoice.total - invoice.paid_amount)
    return InvoicePayments(
        DocumentId(invoice.id), invoice.number or _("draft"), str(invoice.status), currency,
        invoice.total, invoice.paid_amount, balance, invoice.issue_date, invoice.due_date,
        [PaymentRow(PaymentId(p.id), p.paid_on, p.amount, p.note, format_date(p.paid_on),
                    format_money(p.amount, currency)) for p in rows],
        str(invoice.status) in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID),
        format_money(invoice.total, currency), format_money(invoice.paid_amount, currency),
        format_money(balance, currency),
    )


def register(invoice_id: IdLike, amount: Decimal | str, paid_on: dt.date | None, user: IdLike | None,
             note: str = "") -> InvoicePayments:
    invoices.register_payment(invoice_id, amount, paid_on, user, note)
    return invoice_payments(invoice_id)


def _settle(invoice: Any, change: Decimal) -> None:
    """Add ``change`` to what was paid and put the status in line with it."""
    invoice.paid_amount = invoice.paid_amount + change
    if invoice.paid_amount <= 0:
        invoice.paid_amount = Decimal("0.00")
        invoice.status = InvoiceStatus.ISSUED
    elif invoice.paid_amount >= invoice.total:
        invoice.status = InvoiceStatus.PAID
    else:
        invoice.status = InvoiceStatus.PARTIALLY_PAID
    invoice.save()


def _payment(payment_id: IdLike) -> tuple[Any, Any]:
    payment = Payment.get_or_none((Payment.id == as_uuid(payment_id)) & Payment.deleted_at.is_null())
    if payment is None:
        raise ValidationError(_("The payment no longer exists."))
    invoice = invoices._invoice(payment.invoice.id)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise ValidationError(_("The invoice is cancelled: its payments stay as they are."))
    return payment, invoice


def delete_payment(payment_id: IdLike, user: IdLike | None = None) -> InvoicePayments:
    """Remove a payment registered by mistake (a refund's too)."""
    with database.atomic():
        payment, invoice = _payment(payment_id)
        rights.require_on(Invoice, invoice.id, Action.REGISTER_PAYMENTS)
        payment.soft_delete()
        _settle(invoice, -payment.amount)
        documents.log(user, invoice, "payment_deleted")
        return invoice_payments(invoice.id)


def refund(invoice_id: IdLike, amount: Decimal | str, on: dt.date | None = None,
           user: IdLike | None = None, note: str = "") -> InvoicePayments:
    """Money given back to the client: a negative payment, at most what was paid."""
    with database.atomic():
        invoice = invoices._invoice(invoice_id)
        rights.require_on(Invoice, invoice.id, Action.REGISTER_PAYMENTS)
        if invoice.status not in (InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID):
            raise ValidationError(_("Only a paid invoice can be refunded."))
        try:
            value = money.round_money(money.to_decimal(amount))
        except (ValueError, TypeError) as error:
            raise ValidationError(
                _("“{value}” is not an amount.").format(value=amount), field="amount") from error
        if value <= 0:
            raise ValidationError(_("The refund must be more than zero."), field="amount")
        if value > invoice.paid_amount:
            raise ValidationError(
                _("The refund {amount} is more than the {paid} paid.").format(
                    amount=format_money(value, invoice.currency),
                    paid=format_money(invoice.paid_amount, invoice.currency)), field="amount")
        on = on or dt.date.today()
        Payment.create(invoice=invoice.id, paid_on=on, amount=-value,
                       note=(note.strip() or _("Refund"))[:300])
        _settle(invoice, -value)
        documents.log(user, invoice, "refunded")
        return invoice_payments(invoice.id)


def an_invoice_with_payments() -> DocumentId | None:
    """A partly paid invoice (else a paid one): what the payments screen's screenshot shows."""
    from desktop_crm.models import Invoice

    for status in (InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID):
        row = Invoice.alive().where(Invoice.status == status).order_by(Invoice.issue_date.desc()).first()
        if row is not None:
            return DocumentId(row.id)
    return None


__all__ = ["InvoicePayments", "PaymentRow", "an_invoice_with_payments", "delete_payment",
           "invoice_payments", "refund", "register"]
